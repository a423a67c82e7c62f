import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCheck } from '../../src/profiles/389ds/actions/backup/backup-check.ts';
import { backupRestore } from '../../src/profiles/389ds/actions/backup/backup-restore.ts';
import { backupCreate } from '../../src/profiles/389ds/actions/backup/backup-create.ts';
import { listBackups, readHeader } from '../../src/backup/index.ts';
import { generateKeyPair, type GeneratedKeyPair } from '../../src/crypto/index.ts';
import { startRun, type RunEvent } from '../../src/engine/index.ts';
import { labDown } from '../../src/lab/index.ts';
import { tempGpg } from '../unit/crypto/gpg.ts';
import { fakeContext } from '../unit/backup/fake-context.ts';
import { e2eLabName, labSkipReason, within, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * Encrypted backups on real 389-ds hosts: backup.yaml through the engine on the hidden host,
 * gpg reading the result, restores that work, and restores that must refuse (wrong key,
 * truncated file) leaving the host's data as it was.
 */
const LAB = e2eLabName('e2ebk');
const PASS = 'e2e-backup-passphrase';
const SUFFIX = 'dc=lab,dc=test';
const skip = labSkipReason();
if (skip) console.warn(`skipping backup e2e tests: ${skip}`);

function addUser(uid: string): string {
  return `dn: uid=${uid},ou=people,${SUFFIX}\nchangetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: backup-e2e\n`;
}

describe.skipIf(skip !== undefined)('encrypted backups on the lab (2 real 389-ds hosts)', () => {
  let lab: LabFixture;
  let work: string;
  let root: string;
  let key: GeneratedKeyPair;
  let other: GeneratedKeyPair;
  let backupDir: string;
  const events: RunEvent[] = [];

  const exists = async (host: string, uid: string) => (await lab.search(host, `uid=${uid},ou=people,${SUFFIX}`)).length === 1;
  const ctxFor = (host: string, args: Record<string, unknown>) =>
    lab.remote(host).then((remote) => fakeContext({ inv: lab.inventory, host, args: { dest: root, ...args }, remote }));

  /** Switches every agreement on every host off, as data-loss does, so peers cannot replay into a restored host. */
  async function disableAgreements(): Promise<void> {
    for (const h of lab.inventory.hosts) {
      const agmts = await lab.search(h.name, 'cn=config', 'sub', '(objectClass=nsds5replicationagreement)', ['1.1']);
      await lab.modify(h.name, agmts.map((a) => `dn: ${a.dn}\nchangetype: modify\nreplace: nsds5ReplicaEnabled\nnsds5ReplicaEnabled: off\n`).join('\n'));
    }
  }

  async function runBackupPlaybook(params: Record<string, string>) {
    return startRun({
      playbookFile: path.resolve('playbooks/389ds/backup.yaml'),
      inventoryFile: lab.inventoryFile,
      params: { dest: root, ...params },
      yes: true,
      concurrency: 2,
      stateDir: path.join(work, 'state'),
      onEvent: (e) => events.push(e),
    });
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'lb-e2e-backup-'));
    root = path.join(work, 'backups');
    key = await generateKeyPair({ name: 'E2E Backup', email: 'backup@lab.test', passphrase: PASS, outDir: path.join(work, 'keys') });
    other = await generateKeyPair({ name: 'E2E Other', passphrase: PASS, outDir: path.join(work, 'keys') });
    // Two hosts: ds1 [ca], ds2 [ca, hidden] — the hidden host holds every role, as IdM recommends.
    lab = await withLab({ name: LAB, hosts: 2, entries: 200, fresh: true });
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    // withLab writes the inventory into its own temp dir; labDown removes only the file.
    if (lab) rmSync(path.dirname(lab.inventoryFile), { recursive: true, force: true });
    await lab?.close();
    // labDown is safe to run twice; a first pass can trip over a veth that vanished with its
    // namespace (a lab teardown race, reported to the lab owner), the second finishes the job.
    await labDown(LAB).catch(() => labDown(LAB));
  });

  it('backup.yaml backs up the hidden host, encrypted, with a clear header, and rolls', async () => {
    for (let i = 0; i < 2; i++) {
      const outcome = await runBackupPlaybook({ recipient_key: key.publicKeyFile, roll: '1' });
      expect(outcome.status, outcome.failed?.error).toBe('done');
    }
    const list = await listBackups(root, LAB);
    expect(list, 'roll=1 keeps only the newest').toHaveLength(1);
    backupDir = list[0]!.dir;
    const h = await readHeader(backupDir);
    expect(h).toMatchObject({ type: 'data', host: 'ds2', method: 'online', instance: 'lab', encrypted: true, recipientFingerprint: key.fingerprint, roles: ['ca', 'hidden'] });
    expect(h.suffixes).toEqual([SUFFIX, 'o=ipaca']);
    expect(h.replicaIds).toEqual({ [SUFFIX]: 2, 'o=ipaca': 2 });
    expect(h.dsVersion).toMatch(/^2\.\d+\.\d+/);
    expect(path.basename(backupDir)).toMatch(/^lifeboat-data-\d{4}(-\d{2}){5}$/);
    expect(statSync(path.join(backupDir, 'payload.tar.gpg')).size).toBe(h.payload.size);
    expect(() => statSync(path.join(backupDir, 'payload.tar'))).toThrow(); // the clear copy is gone
    // Nothing left behind on the host.
    const leftovers = await (await lab.remote('ds2')).exec('ls /var/tmp /var/lib/dirsrv/slapd-lab/bak | grep lifeboat || true');
    expect(leftovers.stdout.trim()).toBe('');
  });

  it('allows another host holding every role in use (ds1: ca), refuses one lacking a role, like ipa-backup', async () => {
    const full = await runBackupPlaybook({ host: 'ds1', type: 'full' });
    expect(full.status, full.failed?.error).toBe('done');
    const ctx = fakeContext({ inv: { ...lab.inventory, hosts: lab.inventory.hosts.map((h) => (h.name === 'ds1' ? { ...h, roles: [] } : h)) }, host: 'ds1', args: { dest: root } });
    await expect(backupCreate.run(ctx)).rejects.toThrow(/ds1 lacks role\(s\) ca used in cluster/);
  });

  it('gpg --decrypt reads a Lifeboat backup (temp GNUPGHOME, passphrase on a fd)', async () => {
    const h = await readHeader(backupDir);
    const gpg = tempGpg();
    const out = path.join(work, 'gpg-payload.tar');
    try {
      gpg.run(['--import', key.privateKeyFile], PASS);
      gpg.run(['--decrypt', '--output', out, path.join(backupDir, 'payload.tar.gpg')], PASS);
    } finally {
      gpg.close();
    }
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(h.archive.sha256);
    const names = execFileSync('tar', ['-tf', out]).toString().split('\n');
    expect(names).toContain('db/');
    expect(names.some((n) => n.startsWith('db/userroot/'))).toBe(true);
  });

  it('wrong key: clear error naming both keys, and the host data unchanged', async () => {
    const uid = `after-backup-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    const ctx = await ctxFor('ds2', { backup: backupDir, key: other.privateKeyFile, passphrase: PASS });
    await expect(backupRestore.run(ctx)).rejects.toThrow(`backup was encrypted for key ${key.fingerprint}; the given key is ${other.fingerprint}`);
    expect(await exists('ds2', uid)).toBe(true);
  });

  it('truncated file: integrity error, nothing restored, nothing left on the host', async () => {
    const uid = `after-backup-cut-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    const cut = path.join(root, LAB, `${path.basename(backupDir)}-cut`);
    mkdirSync(cut);
    for (const f of ['header.json', 'payload.tar.gpg']) copyFileSync(path.join(backupDir, f), path.join(cut, f));
    truncateSync(path.join(cut, 'payload.tar.gpg'), statSync(path.join(cut, 'payload.tar.gpg')).size - 100_000);
    // The preflight (backup.check, as data-loss runs it) already says so, reading only the file...
    await expect(backupCheck.run(await ctxFor('ds2', { backup: cut, key: key.privateKeyFile, passphrase: PASS }))).rejects.toThrow(/does not match its header .*truncated or corrupt/);
    // ...and so does the restore itself, before it connects (the stored file's sha256 is off).
    const ctx = await ctxFor('ds2', { backup: cut, key: key.privateKeyFile, passphrase: PASS });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/cannot be restored on ds2:\n  - payload\.tar\.gpg does not match its header .*truncated or corrupt/);
    expect(await exists('ds2', uid)).toBe(true);
    const leftovers = await (await lab.remote('ds2')).exec('ls /var/lib/dirsrv/slapd-lab/bak | grep lifeboat || true');
    expect(leftovers.stdout.trim()).toBe('');
    rmSync(cut, { recursive: true });
  });

  it('encrypted round trip: decrypt while uploading, online restore (the server answers), entries added after the backup are gone', async () => {
    const uid = `after-backup-rt-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    await disableAgreements();
    const ctx = await ctxFor('ds2', { backup: backupDir, key: key.privateKeyFile, passphrase_env: 'LB_E2E_PASS' });
    process.env.LB_E2E_PASS = PASS;
    const r = await backupRestore.run(ctx);
    delete process.env.LB_E2E_PASS;
    expect(r.changed).toBe(true);
    expect(r.summary).toMatch(/with online: .* ms on the host\)\. Re-initialize every peer from ds2/);
    expect(r.output).toMatchObject({ method: 'online' });
    expect(await exists('ds2', uid)).toBe(false);
    expect(await lab.search('ds2', `ou=people,${SUFFIX}`, 'one', '(uid=user*)', ['1.1'])).toHaveLength(200);
    expect(await within(10_000, () => exists('ds1', uid)), 'ds1 was not touched').toBeDefined();
  });

  it('a server that is down is restored offline (bak2db) and started again', async () => {
    const uid = `after-backup-down-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    const remote = await lab.remote('ds2');
    expect((await remote.exec('dsctl lab stop')).code).toBe(0);
    const r = await backupRestore.run(await ctxFor('ds2', { backup: backupDir, key: key.privateKeyFile, passphrase: PASS }));
    expect(r.summary).toMatch(/with bak2db: /);
    expect(r.output).toMatchObject({ method: 'bak2db' });
    expect(await exists('ds2', uid)).toBe(false);
    expect(await lab.search('ds2', `ou=people,${SUFFIX}`, 'one', '(uid=user*)', ['1.1'])).toHaveLength(200);
  });

  it('backup.check proves a good backup restorable without changing anything', async () => {
    const r = await backupCheck.run(await ctxFor('ds2', { backup: backupDir, key: key.privateKeyFile, passphrase: PASS }));
    expect(r.changed).toBe(false);
    expect(r.summary).toMatch(/can be restored on ds2 with online-or-bak2db; payload decrypted and verified/);
  });

  it('online restore task (server stays up) from the encrypted backup', async () => {
    const uid = `after-backup-online-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    const r = await backupRestore.run(await ctxFor('ds2', { backup: backupDir, key: key.privateKeyFile, passphrase: PASS, method: 'online' }));
    expect(r.summary).toMatch(/with online: /);
    expect(await exists('ds2', uid)).toBe(false);
    expect(await lab.search('ds2', `ou=people,${SUFFIX}`, 'one', '(uid=user*)', ['1.1'])).toHaveLength(200);
  });

  it('db2ldif --replication backup and ldif2db restore round trip (offline, unencrypted)', async () => {
    const ctx = await ctxFor('ds2', { method: 'db2ldif-replication' });
    const made = await backupCreate.run(ctx);
    const dir = String(made.output);
    const h = await readHeader(dir);
    expect(h).toMatchObject({ method: 'db2ldif-replication', encrypted: false, backends: { [SUFFIX]: 'userroot' } });
    const uid = `after-ldif-${Date.now()}`;
    await lab.modify('ds2', addUser(uid));
    const r = await backupRestore.run(await ctxFor('ds2', { backup: path.basename(dir) }));
    expect(r.summary).toMatch(/with ldif2db/);
    expect(await exists('ds2', uid)).toBe(false);
    expect(await lab.search('ds2', 'o=ipaca')).toHaveLength(1);
  });

  it('lifeboat backup list shows what the headers say', () => {
    const out = execFileSync(path.resolve('bin/lifeboat.js'), ['backup', 'list', '-i', lab.inventoryFile, '--dir', root]).toString();
    expect(out).toContain(`${path.basename(backupDir)}  ds2  online  ${SUFFIX},o=ipaca`);
    expect(out).toContain(`encrypted for ${key.fingerprint}`);
    expect(out).toMatch(/lifeboat-data-\S+  ds2  db2ldif-replication .* NOT encrypted/);
  });
});
