import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
const BIN = fileURLToPath(new URL('../../bin/lifeboat.js', import.meta.url));
const execAsync = promisify(execFile);

/** A `lifeboat` command as a user runs it: exit code and output (dr check exits 1 when an item fails). */
async function lifeboat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execAsync(process.execPath, [BIN, ...args], { timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let dir: string;
let inventoryFile: string;
let keys: { pub: string; sec: string; otherSec: string };
let restoredByDataLoss: { dir: string; runId: string };

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
    restoredByDataLoss = { dir: b.dir, runId: out.runId };
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
  it('split brain: a promoted passive is refused by passive-loss (its deposits kept) and a live active by active-loss; force=true rebuilds', async () => {
    const pgctl = (verb: string) => labExec(LAB, 'kts2', ['runuser', '-u', 'keytrustee', '--', '/usr/lib/postgresql/15/bin/pg_ctl', '-D', '/var/lib/keytrustee/db', '-w', verb]);
    // The active is up and a primary: active-loss must not replace it with the passive's copy.
    const live = await refusal('active-loss', {});
    expect(live).toContain('kts1: its database answers on port 11381 as a primary: the active is not lost');
    expect((await pgctl('promote')).code).toBe(0);
    await psql('kts2', "INSERT INTO deposits (owner, payload) VALUES ('e2e-split-brain', 'x')");
    const why = await refusal('passive-loss', {});
    expect(why).toMatch(/kts2: has role passive but its database answers on port 11381 as a primary .*split brain/);
    expect(await psql('kts2', "SELECT count(*) FROM deposits WHERE owner = 'e2e-split-brain'")).toBe('1');
    expect(await refusal('data-loss', { backup: 'latest', dest: join(dir, 'backups'), key: keys.sec, passphrase_env: 'KTS_E2E_PASS' })).toMatch(/kts2: has role passive but its database is not in recovery.*split brain/);
    // The administrator decides kts1 holds the truth: force=true rebuilds kts2 from it.
    const out = await run('passive-loss', { force: 'true' });
    expect(out.failed?.error).toBeUndefined();
    expect(await psql('kts2', "SELECT count(*) FROM deposits WHERE owner = 'e2e-split-brain'")).toBe('0');
    await pairWhole();
  });

  it('dr check: the pair in sync passes; with the passive\'s replay stopped it fails naming the item', async () => {
    const drArgs = ['dr', 'check', '-i', inventoryFile, '--backup-dir', join(dir, 'backups'), '--state-dir', join(dir, 'state'), '--json'];
    const item = (out: string) => (JSON.parse(out) as { items: { id: string; status: string; why: string }[] }).items;
    const healthy = await lifeboat(drArgs);
    expect(item(healthy.stdout).find((i) => i.id === 'kts-pair-in-sync')).toMatchObject({ status: 'pass', why: expect.stringMatching(/^kts2 in recovery, streaming from kts1 with lag 0; \d+ deposits identical/) });
    // Items that do not apply to a Key Trustee pair are skipped, saying why.
    expect(item(healthy.stdout).find((i) => i.id === 'agreements-per-replica')).toMatchObject({ status: 'skip', why: 'keytrustee has no replication agreements' });
    expect(item(healthy.stdout).filter((i) => i.status === 'fail')).toEqual([]);
    expect(healthy.code).toBe(0);

    await psql('kts2', 'SELECT pg_wal_replay_pause()');
    try {
      await psql('kts1', "INSERT INTO deposits (owner, payload) VALUES ('e2e-unreplayed', 'x')");
      const stopped = await lifeboat(drArgs);
      expect(stopped.code).toBe(1);
      const failed = item(stopped.stdout).filter((i) => i.status === 'fail');
      expect(failed.map((i) => i.id)).toEqual(['kts-pair-in-sync']);
      expect(failed[0]!.why).toMatch(/^kts1's standby: streaming, [1-9]\d* bytes not replayed; deposits differ: kts1 \d+ \(digest \w+\), kts2 \d+/);
    } finally {
      await psql('kts2', 'SELECT pg_wal_replay_resume()');
    }
    await psql('kts1', "DELETE FROM deposits WHERE owner = 'e2e-unreplayed'");
    await pairWhole();
  });

  it('backup=latest: the plan names the newest backup that decrypt-verifies, skipping a newer truncated one and saying why', async () => {
    const newest = backups().pop()!;
    const src = join(dir, 'backups', LAB, newest);
    // A newer copy cut short: its stored hash is re-sealed, so only decrypting it can tell.
    const cutName = `lifeboat-full-2099-01-01-00-00-00`;
    const cut = join(dir, 'backups', LAB, cutName);
    cpSync(src, cut, { recursive: true });
    // A copy, not a restored backup: it carries none of the original's catalog marks.
    execFileSync('rm', ['-f', join(cut, 'restore-tests.jsonl'), join(cut, 'verifications.jsonl')]);
    const payload = join(cut, readdirSync(cut).find((n) => n.endsWith('.gpg'))!);
    truncateSync(payload, Math.floor(statSync(payload).size / 2));
    const h = JSON.parse(readFileSync(join(cut, 'header.json'), 'utf8'));
    const sha = execFileSync('sha256sum', [payload]).toString().split(' ')[0];
    writeFileSync(join(cut, 'header.json'), JSON.stringify({ ...h, time: '2099-01-01T00:00:00.000Z', payload: { ...h.payload, size: statSync(payload).size, sha256: sha } }));
    try {
      const plan = await lifeboat(['plan', 'data-loss', '-i', inventoryFile, '-e', 'backup=latest', '-e', `key=${keys.sec}`, '-e', 'passphrase_env=KTS_E2E_PASS', '-e', `dest=${join(dir, 'backups')}`]);
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain(`# backup=latest: ${newest}, the newest Key Trustee server backup that verifies (decrypt-verified (`);
      expect(plan.stdout).toMatch(new RegExp(`skipped newer ${cutName}: FAILED \\(decrypt\\): .*truncated or corrupt`));
      expect(plan.stdout).toContain(`${src}: decrypted on the controller while uploading`);
      expect(plan.stdout).not.toContain(PASS);
      // backup verify with the key says the same, and the catalog keeps it for backup list.
      const verify = await lifeboat(['backup', 'verify', '--all', '-i', inventoryFile, '--dir', join(dir, 'backups'), '--key', keys.sec, '--passphrase-env', 'KTS_E2E_PASS']);
      expect(verify.code).toBe(1);
      expect(verify.stdout).toMatch(new RegExp(`^${newest} {2}decrypt-verified \\(\\d+ tar entries\\)$`, 'm'));
      expect(verify.stdout).toMatch(new RegExp(`^${cutName} {2}FAILED \\(decrypt\\)`, 'm'));
      const list = await lifeboat(['backup', 'list', '-i', inventoryFile, '--dir', join(dir, 'backups')]);
      expect(list.stdout).toMatch(new RegExp(`^${cutName} .* verify FAILED \\(decrypt\\)`, 'm'));
      expect(`${verify.stdout}${verify.stderr}${list.stdout}`).not.toContain(PASS);
      // The data-loss run restored and verified (verify.pair) its backup: restore-tested, and latest-good plans it.
      const rows = (await lifeboat(['backup', 'list', '-i', inventoryFile, '--dir', join(dir, 'backups'), '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { dir: string; restoreTestedBy?: string });
      const tested = rows.filter((r) => r.restoreTestedBy);
      expect(tested).toHaveLength(1);
      expect(tested[0]!.dir).toBe(restoredByDataLoss.dir);
      expect(tested[0]!.restoreTestedBy).toBe(restoredByDataLoss.runId);
      const good = await lifeboat(['plan', 'data-loss', '-i', inventoryFile, '-e', 'backup=latest-good', '-e', `key=${keys.sec}`, '-e', 'passphrase_env=KTS_E2E_PASS', '-e', `dest=${join(dir, 'backups')}`]);
      expect(good.code).toBe(0);
      expect(good.stdout).toContain(`# backup=latest-good: ${basename(restoredByDataLoss.dir)}, restore-tested by run ${restoredByDataLoss.runId}`);
    } finally {
      execFileSync('rm', ['-rf', cut]);
    }
  });
});
