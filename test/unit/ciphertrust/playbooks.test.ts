/**
 * The shipped ciphertrust playbooks run end to end through the engine against a CONTRACT TEST of
 * the documented API (test/helpers/ciphertrust-contract.ts: in-process HTTPS nodes with the
 * product's state machine), not against an appliance: backup with retention, data loss rebuilt
 * from a restored node, a lost node replaced, and the refusals that must change nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../../src/engine/index.ts';
import type { RunEvent, RunOptions } from '../../../src/engine/index.ts';
import { CtmClient } from '../../../src/profiles/ciphertrust/client.ts';
import { CtmNode } from '../../../src/profiles/ciphertrust/node-ops.ts';
import { ContractNode, selfSignedCert, startContractCluster } from '../../helpers/ciphertrust-contract.ts';

const PASSWORD = 'contract-admin-pw';
const KEYPW = 'key-file-password-1';
const pb = (name: string) => fileURLToPath(new URL(`../../../playbooks/ciphertrust/${name}.yaml`, import.meta.url));

let dir: string;
let tls: ReturnType<typeof selfSignedCert>;
let nodes: ContractNode[];
let inventory: string;
const catalog = () => join(dir, 'backups', 'ctm-test');
const entries = () => (existsSync(catalog()) ? readdirSync(catalog()).sort() : []);

function inventoryYaml(ns: ContractNode[], extra = ''): string {
  const hosts = ns.map((n, i) => `  cm${i + 1}:\n    address: cm${i + 1}.ctm.test\n    roles: [member]\n    vars: { api_url: "${n.url}" }\n`).join('');
  return `cluster: ctm-test
profile: ciphertrust
vars:
  api_ca_file: ${join(tls.dir, 'cert.pem')}
  poll_interval_ms: 40
  backup_dir: ${join(dir, 'backups')}
${extra}secrets:
  api_password: { env: LB_TEST_CTM_PASSWORD }
  backup_key_password: { env: LB_TEST_CTM_KEYPW }
hosts:
${hosts}`;
}

function opts(playbookFile: string, params: Record<string, string>, inv = inventory): RunOptions & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return {
    playbookFile, inventoryFile: inv, params, yes: true, concurrency: 4, stateDir: join(dir, 'state'), events,
    onEvent: (e) => events.push(e),
    // The REST path never needs SSH: a connector that refuses proves no step asked for it.
    connector: () => ({ get: async (h) => { throw new Error(`no SSH to ${h} in these tests`); }, closeAll: async () => {} }),
  };
}

const failure = (events: RunEvent[]) => events.filter((e) => e.type === 'host.done' && e.status === 'failed').map((e) => (e as { error?: string }).error).join('\n');

beforeAll(async () => {
  process.env.LB_TEST_CTM_PASSWORD = PASSWORD;
  process.env.LB_TEST_CTM_KEYPW = KEYPW;
  dir = mkdtempSync(join(tmpdir(), 'lb-ctm-pb-'));
  tls = selfSignedCert();
  nodes = await startContractCluster(['cm1', 'cm2', 'cm3'], { version: '2.14.0', lts: ['2.11', '2.17'], tls, password: PASSWORD, opMs: 120, joinMs: 120 });
  inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, inventoryYaml(nodes));
});
afterAll(async () => {
  await Promise.all((nodes ?? []).map((n) => n.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('backup playbook', () => {
  it('takes a system backup on cm1, keeps it with header and sha256, and rolls to the newest 2', async () => {
    nodes[0]!.vault = { 'key-a': 'material-a', 'key-b': 'material-b' };
    for (let i = 0; i < 3; i++) {
      const o = opts(pb('backup'), { node: 'cm1', include_key: 'true', roll: '2', description: `nightly ${i}` });
      expect((await startRun(o)).status, failure(o.events)).toBe('done');
      // reach: api — no SSH preflight, so no "cannot connect" warnings for nodes without SSH.
      expect(o.events.filter((e) => e.type === 'warning')).toEqual([]);
      if (i < 2) await new Promise((r) => setTimeout(r, 1100)); // directory names have one-second resolution
    }
    expect(entries()).toHaveLength(2);
    const newest = join(catalog(), entries().at(-1)!);
    const header = JSON.parse(readFileSync(join(newest, 'header.json'), 'utf8'));
    expect(header).toMatchObject({ format: 'lifeboat-backup', formatVersion: 2, profile: 'ciphertrust', host: 'cm1', encryption: { kind: 'none' } });
    expect(header.body).toMatchObject({ scope: 'system', release: '2.14.0', description: 'nightly 2', tiedToHsm: false, keyFile: { file: 'backupkey.bin' } });
    expect(createHash('sha256').update(readFileSync(join(newest, 'backup.bin'))).digest('hex')).toBe(header.payload.sha256);
    expect(nodes[0]!.backups.map((b) => b.status)).toEqual(['Completed', 'Completed', 'Completed']);
    expect(nodes[1]!.backups).toHaveLength(0); // backups live only on the node that made them
  });

  it('refuses a second backup while one is In Progress on the node', async () => {
    const busy = await new ContractNode({ name: 'busy', version: '2.14.0', tls, password: PASSWORD, opMs: 5000 }).start();
    try {
      const inv = join(dir, 'busy.yaml');
      writeFileSync(inv, inventoryYaml([busy]).replace('ctm-test', 'ctm-busy'));
      // A scheduled backup on the appliance itself (seed 003: backups can be scheduled) is running.
      const scheduled = new CtmNode('busy', new CtmClient({ url: busy.url, user: 'admin', password: PASSWORD, ca: tls.cert }));
      const b = await scheduled.createBackup({ scope: 'system', description: 'scheduled' });
      const o = opts(pb('backup'), { node: 'cm1' }, inv);
      expect((await startRun(o)).status).toBe('failed');
      expect(failure(o.events)).toMatch(new RegExp(`a backup \\(${b.id}\\) is In Progress; the product allows one at a time; nothing was changed`));
      expect(busy.backups).toHaveLength(1);
      expect(existsSync(join(dir, 'backups', 'ctm-busy'))).toBe(false);
    } finally {
      await busy.stop();
    }
  });

  it('refuses a wrong scope and an unknown key before anything is created', async () => {
    const before = { backups: nodes[0]!.backups.length, entries: entries().length };
    for (const [params, message] of [
      [{ node: 'cm1', scope: 'global' }, /scope must be system or domain \(got "global"\); nothing was changed/],
      [{ node: 'cm1', key: 'no-such-key' }, /unknown backup key no-such-key on this node .*nothing was changed/],
      [{ node: 'cm1', scope: 'domain', tied_to_hsm: 'true' }, /tied_to_hsm is for system backups only/],
    ] as const) {
      // Refused by the plan every run makes first (exit 2, no step runs) when the arguments alone
      // show it, else by the step itself after reading the node: either way before any change.
      const o = opts(pb('backup'), params);
      let said: string;
      try {
        const out = await startRun(o);
        expect(out.status).toBe('failed');
        said = failure(o.events);
      } catch (e) {
        said = (e as Error).message;
      }
      expect(said).toMatch(message);
    }
    expect(nodes[0]!.backups).toHaveLength(before.backups);
    expect(nodes[0]!.calls.filter((c) => c === 'POST /api/v1/backups')).toHaveLength(3); // only the three good runs above
    expect(entries()).toHaveLength(before.entries);
  });
});

describe('data-loss playbook', () => {
  it('refuses a system restore on a node still in the cluster (the action alone), changing nothing', async () => {
    const p = join(dir, 'restore-only.yaml');
    writeFileSync(p, 'name: restore-only\nsteps:\n  - name: restore\n    on: cm2\n    do: backup.restore\n');
    const o = opts(p, {});
    expect((await startRun(o)).status).toBe('failed');
    expect(failure(o.events)).toMatch(/cm2 is a cluster member and a system backup cannot be restored on a cluster node .*remove it first \(cluster.remove\)/);
    expect(nodes[1]!.calls.filter((c) => c.startsWith('POST /api/v1/backups'))).toEqual([]);
  });

  it('restores cm2 from cm1\'s backup (key uploaded from the catalog) and rebuilds the cluster from it', async () => {
    nodes[0]!.vault = { 'key-a': 'CORRUPTED' }; // the bad change, replicated to every member
    expect(nodes[2]!.vault).toEqual({ 'key-a': 'CORRUPTED' });
    const o = opts(pb('data-loss'), { node: 'cm2' });
    const out = await startRun(o);
    expect(out.status, failure(o.events)).toBe('done');
    for (const n of nodes) expect(n.vault).toEqual({ 'key-a': 'material-a', 'key-b': 'material-b' });
    const cluster = nodes[1]!.cluster!;
    expect([...cluster.members].map((n) => n.o.name).sort()).toEqual(['cm1', 'cm2', 'cm3']);
    expect(nodes.every((n) => n.cluster === cluster)).toBe(true);
    // cm2 never had cm1's backup key: it came from the catalog's key file.
    expect(nodes[1]!.calls).toContain('POST /api/v1/backupkeys/upload');
    // The restore happened only after cm2 left the cluster.
    const c2 = nodes[1]!.calls;
    expect(c2.indexOf('DELETE /api/v1/cluster')).toBeLessThan(c2.findIndex((c) => /^POST \/api\/v1\/backups\/[^/]+\/restore$/.test(c)));
  });
});

describe('node-loss playbook', () => {
  it('removes the lost cm3 through cm1, joins its fresh replacement, and waits until all are ready', async () => {
    const port = Number(new URL(nodes[2]!.url).port);
    const lostId = nodes[2]!.nodeId;
    await nodes[2]!.stop();
    const fresh = await new ContractNode({ name: 'cm3', version: '2.14.0', tls, password: PASSWORD, opMs: 120, joinMs: 120 }).start(port);
    nodes[2] = fresh;
    expect(fresh.cluster).toBeUndefined();
    const o = opts(pb('node-loss'), { lost: 'cm3', survivor: 'cm1' });
    const out = await startRun(o);
    expect(out.status, failure(o.events)).toBe('done');
    expect(nodes[0]!.calls).toContain(`DELETE /api/v1/nodes/${lostId}`); // the dead node's entry, removed through the survivor
    expect(fresh.cluster).toBe(nodes[0]!.cluster);
    expect(fresh.vault).toEqual({ 'key-a': 'material-a', 'key-b': 'material-b' });
    expect([...nodes[0]!.cluster!.members].map((n) => n.o.name).sort()).toEqual(['cm1', 'cm2', 'cm3']);
  });
});

describe('backup keys and domain scope', () => {
  const step = (name: string, yaml: string) => {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, `name: ${name}\nsteps:\n${yaml}`);
    return p;
  };

  it('backupkeys: create a default domain key, list it, refuse an unknown key id', async () => {
    const o = opts(step('keys', `  - name: create\n    on: cm1\n    do: backupkeys\n    with: { op: create, scope: domain, default: true }\n    register: made\n  - name: list\n    on: cm1\n    do: backupkeys\n    with: { op: list, scope: domain }\n`), {});
    expect((await startRun(o)).status, failure(o.events)).toBe('done');
    const domainDefaults = nodes[0]!.keys.filter((k) => k.scope === 'domain' && k.default);
    expect(domainDefaults).toHaveLength(1);
    expect(nodes[0]!.keys.filter((k) => k.scope === 'domain')).toHaveLength(2);
    const before = nodes[0]!.keys.map((k) => `${k.id}:${k.default}`);
    const bad = opts(step('keys-bad', `  - name: default\n    on: cm1\n    do: backupkeys\n    with: { op: default, id: no-such-key }\n`), {});
    expect((await startRun(bad)).status).toBe('failed');
    expect(failure(bad.events)).toMatch(/unknown backup key no-such-key on this node .*nothing was changed/);
    expect(nodes[0]!.keys.map((k) => `${k.id}:${k.default}`)).toEqual(before);
  });

  it('a domain backup of cm1 restores on cm3 while cm3 stays a cluster member', async () => {
    const b = opts(pb('backup'), { node: 'cm1', scope: 'domain', include_key: 'true' });
    expect((await startRun(b)).status, failure(b.events)).toBe('done');
    const cluster = nodes[2]!.cluster;
    expect(cluster).toBeDefined();
    const r = opts(step('domain-restore', `  - name: restore\n    on: cm3\n    do: backup.restore\n    with: { scope: domain }\n`), {});
    expect((await startRun(r)).status, failure(r.events)).toBe('done');
    expect(nodes[2]!.cluster).toBe(cluster);
    expect(nodes[2]!.calls.some((c) => /^POST \/api\/v1\/backups\/[^/]+\/restore$/.test(c))).toBe(true);
  });
});

describe('secrets', () => {
  it('neither the API password, the key-file password nor a token is in any journal, report or catalog file', () => {
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
    const all = [...files(join(dir, 'state')), ...files(join(dir, 'backups'))];
    expect(all.length).toBeGreaterThan(5);
    for (const f of all) {
      const text = readFileSync(f, 'latin1');
      expect(text, f).not.toContain(PASSWORD);
      expect(text, f).not.toContain(KEYPW);
      expect(text, f).not.toMatch(/Bearer [A-Za-z0-9_-]{20}/);
    }
  });
});

describe('restore window', () => {
  async function standalone(version: string): Promise<{ node: ContractNode; inv: string }> {
    const node = await new ContractNode({ name: 'solo', version, tls, password: PASSWORD, opMs: 80 }).start();
    const inv = join(dir, `solo-${version}.yaml`);
    writeFileSync(inv, inventoryYaml([node]).replace('ctm-test', 'ctm-solo'));
    return { node, inv };
  }

  it('refuses a backup of a newer release even with force, and a window miss without force; force restores with a warning', async () => {
    const src = await standalone('2.16.0');
    const old = await standalone('2.15.0');
    const far = await standalone('2.20.0');
    try {
      const o1 = opts(pb('backup'), { node: 'cm1', include_key: 'true' }, src.inv);
      expect((await startRun(o1)).status, failure(o1.events)).toBe('done');
      const backupDir = join(dir, 'backups', 'ctm-solo', readdirSync(join(dir, 'backups', 'ctm-solo'))[0]!);
      const restore = join(dir, 'restore-solo.yaml');
      writeFileSync(restore, `name: r\nparams:\n  force: { default: false }\nsteps:\n  - name: restore\n    on: cm1\n    do: backup.restore\n    with: { backup: "${backupDir}", force: "{{ force }}" }\n`);

      const o2 = opts(restore, { force: 'true' }, old.inv);
      expect((await startRun(o2)).status).toBe('failed');
      expect(failure(o2.events)).toMatch(/a backup of 2\.16 cannot be restored on the older release 2\.15.*not even with force; nothing was changed/);
      expect(old.node.calls.filter((c) => c.startsWith('POST'))).toEqual(['POST /api/v1/auth/tokens']);

      const o3 = opts(restore, {}, far.inv);
      expect((await startRun(o3)).status).toBe('failed');
      expect(failure(o3.events)).toMatch(/2\.20 is outside the restore window of a 2\.16 backup.*set force: true/);
      expect(far.node.calls.filter((c) => c.startsWith('POST'))).toEqual(['POST /api/v1/auth/tokens']);

      far.node.vault = { stale: 'x' };
      const o4 = opts(restore, { force: 'true' }, far.inv);
      expect((await startRun(o4)).status, failure(o4.events)).toBe('done');
      expect(o4.events.some((e) => e.type === 'warning' && /outside the restore window.*force is set/.test(e.message))).toBe(true);
      expect(far.node.vault).toEqual(src.node.vault);
    } finally {
      await Promise.all([src.node.stop(), old.node.stop(), far.node.stop()]);
    }
  });
});

