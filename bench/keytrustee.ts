/**
 * Key Trustee backup and restore on a real PostgreSQL pair with 100,000 deposits, next to the plain
 * commands an administrator would type on the same host: `pg_dump -c | gpg -e` and
 * `gpg -d | psql` (after drop/create). Lifeboat's backup includes the confdir tar, the fetch to
 * the controller and encryption there; its restore step includes the upload (decrypting on the way)
 * and the digest check; the whole data-loss run adds the passive's rebuild and the pair's proof.
 * Prints figures; never passes or fails on time.
 *
 *   npx tsx bench/keytrustee.ts [--deposits 100000] [--keep]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../src/crypto/index.ts';
import { startRun, type RunEvent } from '../src/engine/index.ts';
import { labDown, labExec } from '../src/lab/index.ts';
import { loadProfile } from '../src/profiles/registry.ts';
import { uniqueLabName } from '../src/rehearse/lab-name.ts';
import { arg } from './args.ts';

const deposits = Number(arg('deposits', '100000'));
const keep = process.argv.includes('--keep');
const lab = uniqueLabName('bk');
const dir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-kts-'));
const inventoryFile = join(dir, 'inventory.yaml');
const keytrustee = await loadProfile('keytrustee');
const playbooks = keytrustee.playbooksDir;
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const PASS = 'bench-passphrase';
const BIN = '/usr/lib/postgresql/15/bin';

if (process.getuid?.() !== 0) {
  console.error('bench/keytrustee.ts needs root (it builds a lab of real servers)');
  process.exit(2);
}

async function onKts1(script: string, input = ''): Promise<number> {
  const t0 = performance.now();
  const r = await labExec(lab, 'kts1', ['bash', '-o', 'pipefail', '-c', script], { input });
  if (r.code !== 0) throw new Error(`kts1: ${script.slice(0, 80)}: ${r.stderr.trim()}`);
  return performance.now() - t0;
}

async function run(playbook: string, params: Record<string, string>, events: RunEvent[] = []) {
  const t0 = performance.now();
  const out = await startRun({ playbookFile: join(playbooks, `${playbook}.yaml`), inventoryFile, params, yes: true, concurrency: 10, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e) });
  if (out.status !== 'done') throw new Error(`${playbook}: ${out.failed?.error ?? out.status}`);
  return performance.now() - t0;
}

try {
  const t0 = performance.now();
  await keytrustee.lab!.up({ name: lab, out: inventoryFile, hosts: 2, entries: 0, topology: '', deposits });
  console.log(`lab ${lab}: kts1 active, kts2 passive, ${deposits} deposits, up in ${s2(performance.now() - t0)}`);
  const key = await generateKeyPair({ name: 'bench', passphrase: PASS, outDir: join(dir, 'keys'), fileStem: 'bench' });
  process.env.KTS_BENCH_PASS = PASS;

  // The plain way, on kts1 itself: gpg with the same key pair in a scratch home.
  const gpg = 'gpg --homedir /root/bench-gnupg --batch --quiet --trust-model always';
  await onKts1(`install -d -m 700 /root/bench-gnupg && ${gpg} --import`, readFileSync(key.publicKeyFile, 'utf8'));
  await onKts1(`${gpg} --pinentry-mode loopback --passphrase ${PASS} --import`, readFileSync(key.privateKeyFile, 'utf8'));
  const psqlArgs = '-X -q -h /tmp -p 11381';
  const plainBackup = await onKts1(`runuser -u keytrustee -- ${BIN}/pg_dump -c -h /tmp -p 11381 keytrustee | ${gpg} -e -r ${key.fingerprint} -o /var/tmp/plain.sql.gpg --yes`);
  const lbBackup = await run('backup', { recipient_key: key.publicKeyFile, dest: join(dir, 'backups') });
  const size = (await labExec(lab, 'kts1', ['stat', '-c', '%s', '/var/tmp/plain.sql.gpg'])).stdout.trim();
  console.log(`plain encrypted dump: ${(Number(size) / 2 ** 20).toFixed(1)} MiB`);

  const plainRestore = await onKts1(
    `runuser -u keytrustee -- ${BIN}/psql ${psqlArgs} -d postgres -c 'DROP DATABASE keytrustee WITH (FORCE)' -c 'CREATE DATABASE keytrustee' && ` +
      `${gpg} --pinentry-mode loopback --passphrase ${PASS} -d /var/tmp/plain.sql.gpg | runuser -u keytrustee -- ${BIN}/psql ${psqlArgs} -d keytrustee >/dev/null 2>/var/tmp/plain-restore.err && ` +
      `test "$(runuser -u keytrustee -- ${BIN}/psql ${psqlArgs} -At -d keytrustee -c 'SELECT count(*) FROM deposits')" = ${deposits}`,
  );
  const events: RunEvent[] = [];
  const lbWhole = await run('data-loss', { backup: 'latest', dest: join(dir, 'backups'), key: key.privateKeyFile, passphrase_env: 'KTS_BENCH_PASS' }, events);
  const restoreStep = events.find((e): e is Extract<RunEvent, { type: 'step.done' }> => e.type === 'step.done' && e.name === 'Restore the active');
  const lbRestore = restoreStep?.durationMs ?? NaN;

  console.log(`\n${deposits} deposits            lifeboat     plain        ratio`);
  console.log(`backup                     ${s2(lbBackup).padEnd(12)} ${s2(plainBackup).padEnd(12)} ${(lbBackup / plainBackup).toFixed(2)}  (backup playbook incl. preflight, confdir tar, fetch, encrypt on the controller | pg_dump -c | gpg -e on kts1)`);
  console.log(`restore of the active      ${s2(lbRestore).padEnd(12)} ${s2(plainRestore).padEnd(12)} ${(lbRestore / plainRestore).toFixed(2)}  (backup.restore step: decrypting upload, tar -x, drop/create, load, digest | drop/create + gpg -d | psql on kts1)`);
  console.log(`whole data-loss run        ${s2(lbWhole)}   (preflight, backup check with full decrypt, restore, passive rebuilt, pair verified)`);
} finally {
  if (!keep) await labDown(lab).catch(() => undefined);
}
