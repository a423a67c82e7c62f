import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/index.ts';
import { resumeRun, startRun, type RunEvent, type RunOutcome } from '../../src/engine/index.ts';
import { labDown, labExec, labKill, labRevive } from '../../src/lab/index.ts';
import { loadProfile } from '../../src/profiles/registry.ts';
import { e2eLabName } from './lab-fixture.ts';

/**
 * The keytrustee profile on ONE real PostgreSQL 15 pair (kts1 active, kts2 passive), one scenario
 * after the other; each leaves the pair whole for the next. Every check here reads the servers
 * itself (psql through `lab exec`), independently of the actions' own verification.
 */

const runnable = process.getuid?.() === 0 || !!process.env.CI;
if (!runnable) console.warn('keytrustee e2e tests skipped: they build a lab of real servers and need root (under CI they always run)');
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/keytrustee/', import.meta.url));
const LAB = e2eLabName('ktse');
const PASS = 'e2e-kts-passphrase';

let dir: string;
let inventoryFile: string;
let keys: { pub: string; sec: string; otherSec: string };

async function psql(host: string, sql: string): Promise<string> {
  const r = await labExec(LAB, host, ['runuser', '-u', 'keytrustee', '--', '/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/tmp', '-p', '11381', '-d', 'keytrustee', '-c', sql]);
  if (r.code !== 0) throw new Error(`${host}: psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Written here, not taken from the profile: count and a digest of every deposit. */
const digest = (host: string) => psql(host, "SELECT count(*) || '/' || md5(string_agg(uuid::text || encode(payload, 'base64'), '' ORDER BY uuid)) FROM deposits");

async function pairWhole(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await digest('kts1')) !== (await digest('kts2')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(await digest('kts2')).toBe(await digest('kts1'));
  expect(await psql('kts2', 'SELECT pg_is_in_recovery()')).toBe('t');
  expect(await psql('kts1', 'SELECT pg_is_in_recovery()')).toBe('f');
  expect(await psql('kts1', "SELECT state FROM pg_stat_replication")).toBe('streaming');
  // A new deposit written on the active reaches the passive within 5 s.
  const uuid = await psql('kts1', "INSERT INTO deposits (owner, payload) VALUES ('e2e', 'fresh') RETURNING uuid");
  const t0 = Date.now();
  while ((await psql('kts2', `SELECT count(*) FROM deposits WHERE uuid = '${uuid.split('\n')[0]}'`)) !== '1') {
    expect(Date.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Why a run was refused before it changed anything: by the plan every run makes first (exit 2,
 * nothing connected) or by its read-only check step (step index 1). Anything else fails the test.
 */
async function refusal(playbook: string, params: Record<string, string>): Promise<string> {
  try {
    const out = await run(playbook, params);
    expect(out.status).toBe('failed');
    expect(out.failed?.step).toBeLessThanOrEqual(1);
    return out.failed?.error ?? '';
  } catch (e) {
    expect((e as Error).name).toBe('InputErrors');
    return (e as Error).message;
  }
}

function run(playbook: string, params: Record<string, string>, o: { onEvent?: (e: RunEvent) => void; signal?: AbortSignal } = {}): Promise<RunOutcome> {
  return startRun({
    playbookFile: join(PLAYBOOKS, `${playbook}.yaml`),
    inventoryFile,
    params,
    yes: true,
    concurrency: 10,
    stateDir: join(dir, 'state'),
    signal: o.signal,
    onEvent: (e) => o.onEvent?.(e),
  });
}

const backups = () => readdirSync(join(dir, 'backups', LAB)).filter((n) => n.startsWith('lifeboat-full-')).sort();

async function backup(extra: Record<string, string> = {}): Promise<{ dir: string; file: string; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const out = await run('backup', { recipient_key: keys.pub, dest: join(dir, 'backups'), ...extra }, { onEvent: (e) => events.push(e) });
  expect(out.failed?.error).toBeUndefined();
  expect(out.status).toBe('done');
  const last = backups().pop()!;
  const d = join(dir, 'backups', LAB, last);
  const file = join(d, readdirSync(d).find((n) => n.startsWith('kts_bak_'))!);
  // What --json prints for scripts: the backup step's summary starts with the payload's path.
  const done = events.find((e) => e.type === 'host.done' && e.step === 1);
  expect(done?.type === 'host.done' && done.summary?.startsWith(`${file}: `)).toBe(true);
  return { dir: d, file, events };
}

describe.skipIf(!runnable)('keytrustee profile on a real PostgreSQL active/passive pair', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-kts-'));
    inventoryFile = join(dir, 'inventory.yaml');
    await labDown(LAB).catch(() => undefined);
    await (await loadProfile('keytrustee')).lab!.up({ name: LAB, out: inventoryFile, hosts: 2, entries: 0, topology: '', deposits: 2000 });
    const a = await generateKeyPair({ name: 'kts e2e', passphrase: PASS, outDir: join(dir, 'keys'), fileStem: 'backup' });
    const b = await generateKeyPair({ name: 'someone else', passphrase: PASS, outDir: join(dir, 'keys'), fileStem: 'other' });
    keys = { pub: a.publicKeyFile, sec: a.privateKeyFile, otherSec: b.privateKeyFile };
    process.env.KTS_E2E_PASS = PASS;
  });

  afterAll(async () => {
    if (!process.env.LIFEBOAT_KEEP_LAB) await labDown(LAB).catch(() => undefined);
  });

  it('backup: ktbackup name, encrypted so that gpg -d opens it, envelope header, roll keeps the newest', async () => {
    expect(await digest('kts1')).toMatch(/^2000\//);
    await backup({ roll: '2' });
    await new Promise((r) => setTimeout(r, 1100));
    await backup({ roll: '2' });
    await new Promise((r) => setTimeout(r, 1100));
    const third = await backup({ roll: '2' });
    expect(backups()).toHaveLength(2);
    expect(third.file).toMatch(/\/kts_bak_kts1_lab_test_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.tar\.gpg$/);
    const header = JSON.parse(readFileSync(join(third.dir, 'header.json'), 'utf8'));
    expect(header).toMatchObject({ formatVersion: 2, profile: 'keytrustee', cluster: LAB, host: 'kts1', hostname: 'kts1.lab.test', encryption: { kind: 'openpgp' } });
    expect(header.body.deposits.count).toBe(2000);
    // gpg itself, with the recipient's secret key, opens it; tar lists the confdir and the dump.
    const gnupg = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-gnupg-'));
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', PASS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--import', keys.sec]);
    const clear = join(gnupg, 'backup.tar');
    gpg(['-d', '-o', clear, third.file]);
    const listing = execFileSync('tar', ['-tf', clear]).toString().split('\n');
    expect(listing).toContain('var/lib/keytrustee/.keytrustee/keytrustee.conf');
    expect(listing.some((l) => /^var\/lib\/keytrustee\/kts_bak_kts1_lab_test_.*\.sql$/.test(l))).toBe(true);
    expect(statSync(clear).size).toBe(header.archive.size);
  });

  it('cleartext only when asked, with a warning; no recipient and no cleartext is refused', async () => {
    expect(await refusal('backup', { dest: join(dir, 'refused') })).toContain('give recipient_key');
    expect(existsSync(join(dir, 'refused', LAB)) ? readdirSync(join(dir, 'refused', LAB)) : []).toEqual([]);
    const events: RunEvent[] = [];
    const out = await run('backup', { cleartext: 'true', dest: join(dir, 'clear') }, { onEvent: (e) => events.push(e) });
    expect(out.status).toBe('done');
    expect(events.some((e) => e.type === 'warning' && /UNENCRYPTED/.test(e.message))).toBe(true);
  });

  it('a wrong key, a truncated file and another cluster\'s backup are refused with nothing changed', async () => {
    const good = (await backup()).dir;
    const before = { a: await digest('kts1'), p: await digest('kts2') };
    const params = { backup: good, key: keys.sec, passphrase_env: 'KTS_E2E_PASS' };

    expect(await refusal('data-loss', { ...params, key: keys.otherSec })).toMatch(/encrypted for key|cannot decrypt/);

    const cut = join(dir, 'truncated');
    cpSync(good, cut, { recursive: true });
    const payload = join(cut, readdirSync(cut).find((n) => n.endsWith('.gpg'))!);
    truncateSync(payload, Math.floor(statSync(payload).size / 2));
    expect(await refusal('data-loss', { ...params, backup: cut })).toMatch(/is truncated or corrupt \(integrity check failed/);

    const foreign = join(dir, 'foreign');
    cpSync(good, foreign, { recursive: true });
    const h = JSON.parse(readFileSync(join(foreign, 'header.json'), 'utf8'));
    writeFileSync(join(foreign, 'header.json'), JSON.stringify({ ...h, cluster: 'kts-prod' }));
    expect(await refusal('data-loss', { ...params, backup: foreign })).toContain('it is a backup of cluster kts-prod');

    expect({ a: await digest('kts1'), p: await digest('kts2') }).toEqual(before);
    await pairWhole();
  });

  it('data-loss: counts the deposits it will lose, restores the active, rebuilds the passive, pair whole', async () => {
    const b = await backup();
    const atBackup = await digest('kts1');
    await psql('kts1', "INSERT INTO deposits (owner, payload) VALUES ('late', 'a'), ('late', 'b'), ('late', 'c')");
    await psql('kts1', "DELETE FROM deposits WHERE id IN (SELECT id FROM deposits WHERE owner <> 'late' ORDER BY id LIMIT 10)");
    expect(await digest('kts1')).not.toBe(atBackup);
    const events: RunEvent[] = [];
    const out = await run('data-loss', { backup: b.dir, key: keys.sec, passphrase_env: 'KTS_E2E_PASS' }, { onEvent: (e) => events.push(e) });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    expect(events.some((e) => e.type === 'warning' && /holds 3 deposit\(s\) newer than the backup/.test(e.message))).toBe(true);
    expect(await digest('kts1')).toBe(atBackup);
    expect(await digest('kts2')).toBe(atBackup);
    await pairWhole();
  });

  it('passive-loss, interrupted during the base backup and resumed: the passive streams again', async () => {
    await labKill(LAB, 'kts2');
    await labRevive(LAB, 'kts2');
    const controller = new AbortController();
    const first = await run('passive-loss', {}, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'host.progress' && /pg_basebackup/.test(e.message)) controller.abort(new Error('e2e interrupt'));
      },
    });
    expect(first.status).toBe('interrupted');
    const resumed = await resumeRun(first.runId, { yes: true, concurrency: 10, stateDir: join(dir, 'state'), onEvent: () => undefined });
    expect(resumed.failed?.error).toBeUndefined();
    expect(resumed.status).toBe('done');
    await pairWhole();
  });

  it('active-loss: the rebuilt active gets the passive\'s data (no deposit lost), no standby files, confdir without .ssl and *.pid', async () => {
    await psql('kts1', "INSERT INTO deposits (owner, payload) VALUES ('before-loss', 'k')");
    await pairWhole();
    const held = await digest('kts2');
    await labKill(LAB, 'kts1');
    await labRevive(LAB, 'kts1');
    const out = await run('active-loss', {});
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    const sh = async (c: string) => (await labExec(LAB, 'kts1', ['sh', '-c', c])).stdout.trim();
    expect(await sh('ls -A /var/lib/keytrustee/db')).not.toMatch(/standby\.signal|recovery\.conf/);
    expect(await sh('grep -c primary_conninfo /var/lib/keytrustee/db/postgresql.auto.conf || true')).toBe('0');
    const confdir = await sh('ls -A /var/lib/keytrustee/.keytrustee');
    expect(confdir).toContain('keytrustee.conf');
    expect(confdir).not.toMatch(/\.ssl|\.pid$/m);
    expect(await sh('stat -c %U /var/lib/keytrustee/logs')).toBe('keytrustee');
    // Every deposit the passive held (the probe of pairWhole aside, added after) is on both.
    const [count] = held.split('/');
    expect(Number((await digest('kts1')).split('/')[0])).toBeGreaterThanOrEqual(Number(count));
    expect(await psql('kts1', "SELECT count(*) FROM deposits WHERE owner = 'before-loss'")).toBe('1');
    await pairWhole();
  });

  it('a standby labelled active (roles swapped) is refused by the preflight before anything changes', async () => {
    const swapped = join(dir, 'swapped.yaml');
    writeFileSync(swapped, readFileSync(inventoryFile, 'utf8').replace('- active', '- x-was-active').replace('- passive', '- active').replace('- x-was-active', '- passive'));
    const before = await digest('kts2');
    const out = await startRun({
      playbookFile: join(PLAYBOOKS, 'passive-loss.yaml'), inventoryFile: swapped, params: {}, yes: true, concurrency: 10, stateDir: join(dir, 'state'), onEvent: () => undefined,
    });
    expect(out.status).toBe('failed');
    expect(out.failed?.step).toBe(0);
    expect(out.failed?.error).toContain('has role active but its database is a standby');
    expect(await digest('kts2')).toBe(before);
  });
});
