/**
 * A new administrator's mistakes on the ciphertrust playbooks, against the contract test of the
 * API: each is refused before the cluster changes (the failures found by trying them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunEvent, type RunOptions } from '../../../src/engine/index.ts';
import { ContractNode, selfSignedCert, startContractCluster } from '../../helpers/ciphertrust-contract.ts';

const PASSWORD = 'contract-admin-pw';
const pb = (name: string) => fileURLToPath(new URL(`../../../playbooks/ciphertrust/${name}.yaml`, import.meta.url));
let dir: string;
let nodes: ContractNode[];
let inventory: string;

function opts(playbookFile: string, params: Record<string, string>): RunOptions & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return {
    playbookFile, inventoryFile: inventory, params, yes: true, concurrency: 4, stateDir: join(dir, 'state'), events,
    onEvent: (e) => events.push(e),
    connector: () => ({ get: async (h) => { throw new Error(`no SSH to ${h} in these tests`); }, closeAll: async () => {} }),
  };
}
const failure = (events: RunEvent[]) => events.filter((e) => e.type === 'host.done' && e.status === 'failed').map((e) => (e as { error?: string }).error).join('\n');
const members = (n: ContractNode) => [...(n.cluster?.members ?? [])].map((m) => m.o.name).sort();
const changing = (n: ContractNode) => n.calls.filter((c) => !c.startsWith('GET ') && !c.startsWith('POST /api/v1/auth/'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-ctm-refuse-'));
  const tls = selfSignedCert();
  nodes = await startContractCluster(['cm1', 'cm2', 'cm3'], { version: '2.14.0', lts: [], tls, password: PASSWORD, opMs: 60, joinMs: 60 });
  process.env.LB_TEST_CTM_PW2 = PASSWORD;
  const hosts = nodes.map((n, i) => `  cm${i + 1}:\n    address: cm${i + 1}.ctm.test\n    roles: [member]\n    vars: { api_url: "${n.url}" }\n`).join('');
  inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, `cluster: ctm-r\nprofile: ciphertrust\nvars:\n  api_ca_file: ${join(tls.dir, 'cert.pem')}\n  poll_interval_ms: 30\n  backup_dir: ${join(dir, 'backups')}\nsecrets:\n  api_password: { env: LB_TEST_CTM_PW2 }\nhosts:\n${hosts}`);
});
afterAll(async () => {
  await Promise.all((nodes ?? []).map((n) => n.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ciphertrust: refused before the cluster changes', () => {
  it('data-loss with a backup whose key is neither on the node nor in the catalog: refused while the node is still a member', async () => {
    const made = await startRun(opts(pb('backup'), { node: 'cm1' }));
    expect(made.status).toBe('done');
    for (const n of nodes) n.calls.length = 0;
    const o = opts(pb('data-loss'), { node: 'cm2' });
    expect((await startRun(o)).status).toBe('failed');
    expect(failure(o.events)).toMatch(/backup key \S+ is not on cm2 and .* has no key file; import it first/);
    expect(members(nodes[0]!)).toEqual(['cm1', 'cm2', 'cm3']);
    for (const n of nodes) expect(changing(n)).toEqual([]);
  });

  it('node-loss naming the survivor as the lost node is refused by the plan (it took cm3 out of its own cluster)', async () => {
    const o = opts(pb('node-loss'), { lost: 'cm3', survivor: 'cm3' });
    await expect(startRun(o)).rejects.toThrow(/cm3 cannot be both the lost node and the survivor/);
    expect(members(nodes[0]!)).toEqual(['cm1', 'cm2', 'cm3']);
  });

  it('node-loss of a node that answers and is still a cluster member is refused: it is not lost', async () => {
    for (const n of nodes) n.calls.length = 0;
    const o = opts(pb('node-loss'), { lost: 'cm3', survivor: 'cm1' });
    expect((await startRun(o)).status).toBe('failed');
    expect(failure(o.events)).toMatch(/cm3 answers and is still a member of cm1's cluster: it is not lost.*fresh appliance.*force=true/);
    expect(members(nodes[0]!)).toEqual(['cm1', 'cm2', 'cm3']);
    for (const n of nodes) expect(changing(n)).toEqual([]);
  });
});
