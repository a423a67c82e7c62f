/**
 * `lifeboat backup verify --key` on one encrypted 389-ds-shaped backup of --size: wall time, MB/s
 * of the clear archive and peak RSS of the CLI process (/usr/bin/time), beside a hash-only verify
 * (no key). Shows the decrypt-verify streams (memory stays flat) rather than buffering. Prints
 * figures, never pass/fail.
 *
 *   npx tsx bench/backup-verify.ts [--size 256M|1G|...]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackupDir, sha256File, writeHeader } from '../src/backup/index.ts';
import { encryptFile, generateKeyPair } from '../src/crypto/index.ts';
import { arg, parseSize } from './args.ts';

const PASS = 'bench-passphrase';
const BIN = fileURLToPath(new URL('../bin/lifeboat.js', import.meta.url));
const size = parseSize(arg('size', '256M'));
const dir = mkdtempSync(path.join(tmpdir(), 'lb-bench-verify-'));

try {
  // A tar of db/ holding one file of random bytes (incompressible, like a real database file).
  const src = path.join(dir, 'src', 'db');
  mkdirSync(src, { recursive: true });
  const fd = openSync(path.join(src, 'id2entry.db'), 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, left));
  closeSync(fd);
  const tar = path.join(dir, 'db.tar');
  execFileSync('tar', ['-cf', tar, '-C', path.join(dir, 'src'), 'db']);
  rmSync(path.join(dir, 'src'), { recursive: true });

  const key = await generateKeyPair({ name: 'bench', passphrase: PASS, outDir: path.join(dir, 'keys') });
  const root = path.join(dir, 'bk');
  const b = await createBackupDir(root, 'bench', 'data');
  const payload = path.join(b.dir, 'payload.tar.gpg');
  const enc = await encryptFile(tar, payload, { recipientKeyFile: key.publicKeyFile });
  rmSync(tar);
  const stored = await sha256File(payload);
  await writeHeader(b.dir, {
    format: 'lifeboat-backup', formatVersion: 1, type: 'data', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), cluster: 'bench', profile: '389ds',
    host: 'ds1', hostname: 'ds1.bench', dsVersion: '2.3.1', instance: 'bench', suffixes: ['dc=bench'], replicaIds: { 'dc=bench': 1 }, backends: { 'dc=bench': 'userroot' },
    roles: [], clusterRoles: [], method: 'db2bak', encrypted: true, recipientFingerprint: enc.recipientFingerprint,
    payload: { file: 'payload.tar.gpg', ...stored }, archive: { size: enc.bytes, sha256: enc.sha256 },
  });
  const inv = path.join(dir, 'inv.yaml');
  writeFileSync(inv, 'cluster: bench\nprofile: 389ds\nvars: { backup_dir: ./bk }\nhosts:\n  ds1: { address: 10.0.0.1 }\n');

  const name = path.basename(b.dir);
  for (const [label, extra] of [['hash only (no key)', []], ['decrypt-verify (--key)', ['--key', key.privateKeyFile]]] as const) {
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'backup', 'verify', name, '-i', inv, ...extra], { env: { ...process.env, LIFEBOAT_BACKUP_PASSPHRASE: PASS }, encoding: 'utf8' });
    const ms = Date.now() - t0;
    const rssKb = Number(r.stderr.trim().split('\n').pop());
    console.log(`${label}: ${r.stdout.trim()} | ${(ms / 1000).toFixed(1)} s, ${(enc.bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s of archive, peak RSS ${(rssKb / 1024).toFixed(0)} MiB (exit ${r.status})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
