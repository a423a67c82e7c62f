import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupDir, sha256File, writeHeader } from '../../../src/backup/index.ts';
import { latestVerifiedBackup } from '../../../src/backup/latest.ts';
import { listTarEntries } from '../../../src/backup/tar-entries.ts';
import { readVerifications } from '../../../src/backup/verifications.ts';
import { encryptFile, generateKeyPair, type GeneratedKeyPair } from '../../../src/crypto/index.ts';
import { archiveLayout389ds } from '../../../src/profiles/389ds/actions/backup/archive-layout.ts';
import { verifiedBackups } from '../../../src/dr/gather.ts';
import { backupRestore } from '../../../src/profiles/389ds/actions/backup/backup-restore.ts';
import { receiveArchiveCommand } from '../../../src/profiles/389ds/actions/backup/commands.ts';
import { fakeContext, host, inventory } from './fake-context.ts';
import { backupCli } from './backup-cli.ts';
import { sampleHeader } from './sample-header.ts';

/**
 * `backup verify --key` and `backup=latest` on real OpenPGP keys and real tar archives (GNU tar):
 * a good backup decrypt-verifies and its entries are listed; a wrong key, a truncated file and a
 * payload that is not the expected archive fail, are recorded as failed, and `latest` skips them.
 */

const PASS = 'correct horse battery staple 42';
const dir = mkdtempSync(path.join(tmpdir(), 'lb-verify-key-'));
const root = path.join(dir, 'bk');
const inv = path.join(dir, 'inv.yaml');
let key: GeneratedKeyPair;
let other: GeneratedKeyPair;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[], env: Record<string, string> = {}) => backupCli(argv, env, new PassThrough());

/** A 389-ds-shaped tar (db/ with files of `size` bytes each) made by GNU tar. */
function makeTar(name: string, opts: { size?: number; longName?: boolean } = {}): string {
  const src = path.join(dir, `${name}-src`);
  mkdirSync(path.join(src, 'db', 'userroot'), { recursive: true });
  writeFileSync(path.join(src, 'db', 'userroot', 'id2entry.db'), Buffer.alloc(opts.size ?? 70_000, 7));
  writeFileSync(path.join(src, 'db', 'DBVERSION'), 'bdb/5.3/libback-ldbm\n');
  if (opts.longName) writeFileSync(path.join(src, 'db', `${'x'.repeat(140)}.ldif`), 'dn: dc=lab\n');
  const tar = path.join(dir, `${name}.tar`);
  execFileSync('tar', ['-cf', tar, '-C', src, 'db']);
  return tar;
}

/** An encrypted 389-ds backup in the store at `hour`, from a tar. */
async function storeEncrypted(hour: number, tar: string, recipient: GeneratedKeyPair): Promise<string> {
  const b = await createBackupDir(root, 'lab', 'data', new Date(Date.UTC(2026, 10, 22, hour, 0, 0)));
  const payload = path.join(b.dir, 'payload.tar.gpg');
  const enc = await encryptFile(tar, payload, { recipientKeyFile: recipient.publicKeyFile });
  const stored = await sha256File(payload);
  await writeHeader(b.dir, sampleHeader({ host: 'ds1', encrypted: true, recipientFingerprint: enc.recipientFingerprint, payload: { file: 'payload.tar.gpg', ...stored }, archive: { size: enc.bytes, sha256: enc.sha256 } }));
  return b.dir;
}

let good: string;
let wrongKey: string;
let truncated: string;

beforeAll(async () => {
  key = await generateKeyPair({ name: 'Lifeboat Backup', passphrase: PASS, outDir: path.join(dir, 'keys') });
  other = await generateKeyPair({ name: 'Someone Else', passphrase: PASS, outDir: path.join(dir, 'keys') });
  writeFileSync(inv, 'cluster: lab\nprofile: 389ds\nvars: { backup_dir: ./bk }\nhosts:\n  ds1: { address: 10.0.0.1, roles: [ca] }\n');
  good = await storeEncrypted(4, makeTar('good', { longName: true }), key);
  wrongKey = await storeEncrypted(5, makeTar('wrong'), other);
  truncated = await storeEncrypted(6, makeTar('trunc', { size: 300_000 }), key);
  // Cut the encrypted payload short and re-seal its header's payload hash, so only decryption can tell.
  const p = path.join(truncated, 'payload.tar.gpg');
  truncateSync(p, 120_000);
  const h = JSON.parse(readFileSync(path.join(truncated, 'header.json'), 'utf8'));
  h.payload = { file: 'payload.tar.gpg', ...(await sha256File(p)) };
  writeFileSync(path.join(truncated, 'header.json'), JSON.stringify(h));
});

describe('listTarEntries', () => {
  it('lists a GNU tar as it streams, long names included, and refuses what is not a tar', async () => {
    const names = await listTarEntries(readChunks(readFileSync(makeTar('list', { longName: true })), 1000));
    expect(names.sort()).toEqual(['db/', 'db/DBVERSION', `db/${'x'.repeat(140)}.ldif`, 'db/userroot/', 'db/userroot/id2entry.db'].sort());
    await expect(listTarEntries(readChunks(Buffer.alloc(4096, 65), 512))).rejects.toThrow(/not a tar archive/);
    const tar = readFileSync(makeTar('cut', { size: 100_000 }));
    await expect(listTarEntries(readChunks(tar.subarray(0, 50_000), 4096))).rejects.toThrow(/truncated/);
  });
});

describe('backup verify --key', () => {
  it('decrypt-verifies a good backup, records it, and backup list shows it', async () => {
    const r = await cli(['backup', 'verify', path.basename(good), '-i', inv, '--key', key.privateKeyFile], { LIFEBOAT_BACKUP_PASSPHRASE: PASS });
    expect(r).toMatchObject({ code: 0, out: `${path.basename(good)}  decrypt-verified (5 tar entries)\n` });
    expect((await readVerifications(good)).at(-1)).toMatchObject({ how: 'decrypt', ok: true, key: expect.stringMatching(/^[0-9A-F]{40}$/) });
    const list = await cli(['backup', 'list', '-i', inv]);
    expect(list.out).toMatch(new RegExp(`^${path.basename(good)} .* verified \\(decrypt\\) 20\\S+Z  not restore-tested$`, 'm'));
    expect(list.out).toMatch(new RegExp(`^${path.basename(wrongKey)} .* never verified  not restore-tested$`, 'm'));
  });

  it('a wrong key and a truncated file: a clear error, exit 1, the catalog says failed; the passphrase appears nowhere', async () => {
    const r = await cli(['backup', 'verify', '--all', '-i', inv, '--key', key.privateKeyFile], { LIFEBOAT_BACKUP_PASSPHRASE: PASS });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${path.basename(good)}  decrypt-verified`);
    expect(r.out).toMatch(new RegExp(`${path.basename(wrongKey)}  FAILED \\(decrypt\\): backup was encrypted for key id [0-9A-F]+; the given key .*\\(none matches`));
    expect(r.out).toMatch(new RegExp(`${path.basename(truncated)}  FAILED \\(decrypt\\): .*(truncated|corrupt)`));
    expect((await readVerifications(wrongKey)).at(-1)).toMatchObject({ how: 'decrypt', ok: false, problem: expect.stringContaining('none matches') });
    expect((await readVerifications(truncated)).at(-1)).toMatchObject({ how: 'decrypt', ok: false });
    const list = await cli(['backup', 'list', '-i', inv]);
    expect(list.out).toMatch(new RegExp(`^${path.basename(truncated)} .* verify FAILED \\(decrypt\\) `, 'm'));
    const json = await cli(['backup', 'verify', '--all', '-i', inv, '--key', key.privateKeyFile, '--json'], { LIFEBOAT_BACKUP_PASSPHRASE: PASS });
    const everything = [r.out, r.err, list.out, json.out, ...[good, wrongKey, truncated].map((d) => readFileSync(path.join(d, 'verifications.jsonl'), 'utf8'))].join('\n');
    expect(everything).not.toContain(PASS);
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l).ok)).toEqual([true, false, false]);
    // dr check's backup item counts a failed decrypt-verify, though the stored hash still matches.
    const dr = await verifiedBackups(root, 'lab');
    expect(dr.map((b) => b.checksum === true)).toEqual([true, false, false]);
    expect(dr[2]!.checksum).toMatch(/^backup verify failed \(decrypt, \S+\): .*truncated or corrupt/);
  });

  it('without the key it re-hashes only and says so; a wrong passphrase is refused before any backup is read (exit 2, nothing recorded)', async () => {
    const r = await cli(['backup', 'verify', path.basename(truncated), '-i', inv]);
    expect(r).toMatchObject({ code: 0, out: `${path.basename(truncated)}  sha256 verified; encrypted, not decrypted: no key given (\`backup verify --key FILE\` decrypt-verifies it)\n` });
    const before = (await readVerifications(good)).length;
    const bad = await cli(['backup', 'verify', '--all', '-i', inv, '--key', key.privateKeyFile], { LIFEBOAT_BACKUP_PASSPHRASE: 'not the passphrase at all' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/wrong passphrase for the private key/);
    expect(bad.err).not.toContain('not the passphrase at all');
    expect(await readVerifications(good)).toHaveLength(before);
  });
});

describe('backup=latest', () => {
  it('is the newest backup that decrypt-verifies with the key, naming the newer ones it skipped and why', async () => {
    const c = await latestVerifiedBackup(root, 'lab', { key: { file: key.privateKeyFile, passphrase: PASS }, layout: archiveLayout389ds, what: '389-ds backup' });
    expect(c.dir).toBe(good);
    expect(c.why).toBe(`${path.basename(good)}, the newest 389-ds backup that verifies (decrypt-verified (5 tar entries))`);
    expect(c.skipped).toEqual([expect.stringMatching(new RegExp(`^${path.basename(truncated)}: FAILED \\(decrypt\\)`)), expect.stringMatching(new RegExp(`^${path.basename(wrongKey)}: FAILED \\(decrypt\\).*none matches`))]);
  });

  it('without the key, the newest whose hash verifies; none qualifying is said plainly', async () => {
    expect((await latestVerifiedBackup(root, 'lab')).dir).toBe(truncated);
    const empty = await latestVerifiedBackup(path.join(dir, 'nothing'), 'lab');
    expect(empty).toEqual({ why: `no complete backup of cluster lab in ${path.join(dir, 'nothing')}`, skipped: [] });
  });

  it('backup.restore plans the chosen file, saying what it skipped; none qualifying refuses the plan', async () => {
    process.env.LB_UNIT_PASS = PASS;
    const i = inventory([host('ds1', ['ca'])], { backup_dir: './bk' }, inv);
    const planned = await backupRestore.plan(fakeContext({ inv: i, host: 'ds1', args: { backup: 'latest', key: key.privateKeyFile, passphrase_env: 'LB_UNIT_PASS' } }));
    const put = planned.find((c) => c.command.includes('mkfifo'))!;
    expect(put.command).toBe(receiveArchiveCommand(`/var/lib/dirsrv/slapd-lab/bak/${path.basename(good)}.restore`));
    expect(put.stdin).toMatch(new RegExp(`^${path.join(good, 'payload.tar.gpg')}, decrypted on the way with `));
    expect(put.note).toMatch(new RegExp(`^backup=latest: ${path.basename(good)}, the newest 389-ds backup that verifies \\(decrypt-verified \\(5 tar entries\\)\\); skipped newer ${path.basename(truncated)}: FAILED`));
    expect(put.note).not.toContain(PASS);
    const none = backupRestore.plan(fakeContext({ inv: i, host: 'ds1', args: { backup: 'latest', key: key.privateKeyFile, passphrase_env: 'LB_UNIT_PASS', dest: path.join(dir, 'nothing') } }));
    await expect(none).rejects.toThrow(`backup.restore: backup=latest: no complete 389-ds backup of cluster lab in ${path.join(dir, 'nothing')}`);
    // With the other key, the newest backup that key opens is chosen.
    const withOther = await backupRestore.plan(fakeContext({ inv: i, host: 'ds1', args: { backup: 'latest', key: other.privateKeyFile, passphrase_env: 'LB_UNIT_PASS' } }));
    expect(withOther.find((c) => c.command.includes('mkfifo'))!.stdin).toContain(path.join(wrongKey, 'payload.tar.gpg'));
  });

  it('a wrong passphrase is an error about the key, not a reason to skip every backup', async () => {
    await expect(latestVerifiedBackup(root, 'lab', { key: { file: key.privateKeyFile, passphrase: 'nope nope nope' } })).rejects.toThrow(/wrong passphrase/);
  });
});

async function* readChunks(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
