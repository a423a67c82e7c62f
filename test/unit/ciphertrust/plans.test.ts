/**
 * Golden plans: the step list rendered as REST calls (the primary path) and as ksctl commands for
 * an admin host (the secondary path, seed 003's interface). Both come from the same steps `run`
 * executes, so a change to either shows here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun } from '../../../src/engine/index.ts';
import { writeCtmHeader, type CtmEnvelope } from '../../../src/profiles/ciphertrust/catalog.ts';

const pb = (name: string) => fileURLToPath(new URL(`../../../playbooks/ciphertrust/${name}.yaml`, import.meta.url));
let dir: string;
let backupDir: string;

function inventory(access: 'api' | 'ksctl'): string {
  const file = join(dir, `${access}.yaml`);
  writeFileSync(file, `cluster: ctm-prod
profile: ciphertrust
vars: { access: ${access}, admin_host: adm }
secrets:
  api_password: { env: LB_TEST_NOT_SET }
hosts:
  adm: { address: adm.example.test, roles: [x-admin] }
  cm1: { address: cm1.example.test, roles: [member] }
  cm2: { address: cm2.example.test, roles: [member] }
  cm3: { address: cm3.example.test, roles: [member], vars: { api_url: "https://10.0.0.3:8443" } }
`);
  return file;
}

async function lines(playbook: string, access: 'api' | 'ksctl', params: Record<string, string>): Promise<string[]> {
  const out = await planRun({ playbookFile: pb(playbook), inventoryFile: inventory(access), params, concurrency: 4 });
  return out.steps.flatMap((s) => s.hosts.flatMap((h) => (h.note && !h.commands.length ? [`${h.host}: ${h.note}`] : h.commands.map((c) => `${c.host}: ${c.command}${c.stdin ? `  <<< ${c.stdin}` : ''}`))));
}

const K = (url: string) => `adm: KSCTL_PASSWORD="$(cat)" ksctl --url=${url} --user=admin`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-ctm-plan-'));
  backupDir = join(dir, 'backups', 'ctm-prod', 'lifeboat-full-2026-11-30-01-00-00');
  mkdirSync(backupDir, { recursive: true });
  const env: CtmEnvelope = {
    format: 'lifeboat-backup', formatVersion: 2, profile: 'ciphertrust', cluster: 'ctm-prod', host: 'cm1', hostname: 'cm1.example.test',
    time: '2026-11-30T01:00:00Z', payload: { file: 'backup.bin', size: 3, sha256: 'a'.repeat(64) }, archive: { size: 3, sha256: 'a'.repeat(64) },
    encryption: { kind: 'none' }, toolVersion: 'lifeboat test',
    body: { scope: 'system', backupId: 'b-1', release: '2.14.0', backupKey: 'k-1', description: 'nightly', tiedToHsm: false, keyFile: { file: 'backupkey.bin', size: 3, sha256: 'b'.repeat(64) } },
  };
  await writeCtmHeader(backupDir, env);
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('ksctl plans (admin host, password on stdin)', () => {
  it('backup', async () => {
    expect(await lines('backup', 'ksctl', { node: 'cm1', description: 'nightly run', include_key: 'true', scope: 'system', tied_to_hsm: 'true' })).toEqual([
      `${K('https://cm1.example.test')} backup status  <<< password ***`,
      `${K('https://cm1.example.test')} backup create --scope system --tied-to-hsm --description 'nightly run'  <<< password ***`,
      `${K('https://cm1.example.test')} backup status  <<< password ***`,
      `${K('https://cm1.example.test')} backup get --id <backup_id>  <<< password ***`,
      `${K('https://cm1.example.test')} backup download --id <backup_id> --file <dir>/backup.bin  <<< password ***`,
      `${K('https://cm1.example.test')} backupkeys download --id <key_id> --file <dir>/backupkey.bin  <<< password ***`,
    ]);
  });

  it('data-loss: leave, upload key and backup, restore, new cluster, others leave and fulljoin', async () => {
    expect(await lines('data-loss', 'ksctl', { node: 'cm2', backup: backupDir })).toEqual([
      // backup.check, before cm2 leaves: the file, then the node's state (window, idle, key)
      `controller: sha256 ${backupDir}/backup.bin`,
      `${K('https://cm2.example.test')} backup status  <<< password ***`,
      `${K('https://cm2.example.test')} cluster delete -y  <<< password ***`,
      `${K('https://cm2.example.test')} backup status  <<< password ***`,
      `${K('https://cm2.example.test')} backupkeys upload --file ${backupDir}/backupkey.bin  <<< password ***`,
      `${K('https://cm2.example.test')} backup upload --file ${backupDir}/backup.bin  <<< password ***`,
      `${K('https://cm2.example.test')} backup restore --id <backup_id>  <<< password ***`,
      `${K('https://cm2.example.test')} backup status  <<< password ***`,
      `${K('https://cm2.example.test')} cluster new --host cm2.example.test  <<< password ***`,
      `${K('https://cm1.example.test')} cluster delete -y  <<< password ***`,
      `${K('https://10.0.0.3:8443')} cluster delete -y  <<< password ***`,
      `${K('https://cm1.example.test')} cluster fulljoin --member cm2.example.test --newnodehost cm1.example.test -y  <<< password ***`,
      `${K('https://10.0.0.3:8443')} cluster fulljoin --member cm2.example.test --newnodehost 10.0.0.3 -y  <<< password ***`,
      `${K('https://cm2.example.test')} cluster nodes list  <<< password ***`,
    ]);
  });

  it('node-loss', async () => {
    expect(await lines('node-loss', 'ksctl', { lost: 'cm3', survivor: 'cm1' })).toEqual([
      'cm1: (controller) assert lost != survivor',
      `${K('https://cm1.example.test')} cluster nodes delete --id <node_id> -y  <<< password ***`,
      `${K('https://10.0.0.3:8443')} cluster fulljoin --member cm1.example.test --newnodehost 10.0.0.3 -y  <<< password ***`,
      `${K('https://cm1.example.test')} cluster nodes list  <<< password ***`,
    ]);
  });

  it('a domain restore with force uploads with --scope domain and restores with --force', async () => {
    const domainDir = join(dir, 'backups', 'ctm-prod', 'lifeboat-data-2026-11-30-02-00-00');
    mkdirSync(domainDir, { recursive: true });
    const env = JSON.parse(JSON.stringify((await import('node:fs')).readFileSync(join(backupDir, 'header.json'), 'utf8')));
    const h = JSON.parse(env);
    h.body = { ...h.body, scope: 'domain', keyFile: undefined };
    await writeCtmHeader(domainDir, h);
    const p = join(dir, 'restore.yaml');
    writeFileSync(p, `name: r\nsteps:\n  - name: restore\n    on: cm1\n    do: backup.restore\n    with: { backup: "${domainDir}", force: true }\n`);
    const out = await planRun({ playbookFile: p, inventoryFile: inventory('ksctl'), params: {}, concurrency: 1 });
    expect(out.steps[0]!.hosts[0]!.commands.map((c) => c.command.replace(/^.*--user=admin /, ''))).toEqual([
      'backup status',
      `backup upload --scope domain --file ${domainDir}/backup.bin`,
      'backup restore --id <backup_id> --force',
      'backup status',
    ]);
  });
});

it('run with access: ksctl is refused before any call: the ksctl path is a plan for an operator', async () => {
  const { startRun } = await import('../../../src/engine/index.ts');
  const events: { type: string; status?: string; error?: string }[] = [];
  process.env.LB_TEST_NOT_SET = 'some-password';
  try {
    const out = await startRun({
      playbookFile: pb('node-loss'), inventoryFile: inventory('ksctl'), params: { lost: 'cm3', survivor: 'cm1' }, yes: true, concurrency: 1,
      stateDir: join(dir, 'state'), onEvent: (e) => events.push(e as never),
      connector: () => ({ get: async () => { throw new Error('no SSH here'); }, closeAll: async () => {} }),
    });
    expect(out.status).toBe('failed');
    expect(events.find((e) => e.type === "host.done" && e.status === "failed")?.error).toMatch(/access: ksctl is plan-only in this version .*run with access: api/);
  } finally {
    delete process.env.LB_TEST_NOT_SET;
  }
});

describe('REST plans (the primary path)', () => {
  it('node-loss: removal, CSR signing and join as the vendor\'s own client sends them (ThalesGroup/terraform-provider-ciphertrust)', async () => {
    expect(await lines('node-loss', 'api', { lost: 'cm3', survivor: 'cm1' })).toEqual([
      'cm1: (controller) assert lost != survivor',
      'cm1: DELETE https://cm1.example.test/api/v1/nodes/<node_id>  # cm3',
      'cm3: POST https://10.0.0.3:8443/api/v1/cluster/csr {"localNodeHost":"10.0.0.3"}',
      'cm3: POST https://cm1.example.test/api/v1/nodes {"csr":"<from the csr call>","newNodeHost":"10.0.0.3","publicAddress":"10.0.0.3","shared_hsm_partition":false}',
      'cm3: POST https://10.0.0.3:8443/api/v1/cluster/join {"memberNodeHost":"cm1.example.test","localNodeHost":"10.0.0.3","cert":"<signed>","cachain":"<signed>","mkek_blob":"<signed>"}',
      'cm1: GET https://cm1.example.test/api/v1/nodes  # every poll interval until 3 nodes are ready',
    ]);
  });

  it('backup: the calls, in order, with the body that will be sent', async () => {
    expect(await lines('backup', 'api', { node: 'cm3', scope: 'domain', key: 'k-7', description: 'dom' })).toEqual([
      'cm3: GET https://10.0.0.3:8443/api/v1/backupStatus  # refuse when a backup or restore is In Progress',
      'cm3: POST https://10.0.0.3:8443/api/v1/backups {"scope":"domain","backupKey":"k-7","description":"dom"}',
      'cm3: GET https://10.0.0.3:8443/api/v1/backupStatus  # every poll interval until backup <backup_id> is Completed',
      'cm3: GET https://10.0.0.3:8443/api/v1/backups/<backup_id>',
      'cm3: GET https://10.0.0.3:8443/api/v1/backups/<backup_id>/download > <dir>/backup.bin  # sha256 while streaming',
    ]);
  });

  it('a plan that cannot be made fails naming the host and the step', async () => {
    await expect(lines('data-loss', 'api', { node: 'cm2', backup: join(dir, 'nope') })).resolves.toContain(
      `cm2: cannot plan: cm2: backup.restore: ${join(dir, 'nope')}/header.json: cannot read the backup header (no such file); is ${join(dir, 'nope')} a Lifeboat backup?`,
    );
  });
});
