import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCheck } from '../../../src/profiles/389ds/actions/backup/backup-check.ts';
import { backupCreate } from '../../../src/profiles/389ds/actions/backup/backup-create.ts';
import { backupRestore } from '../../../src/profiles/389ds/actions/backup/backup-restore.ts';
import { receiveArchiveCommand, restoreCommand } from '../../../src/profiles/389ds/actions/backup/commands.ts';
import { restoreProblems } from '../../../src/profiles/389ds/actions/backup/restore-checks.ts';
import { versionProblem } from '../../../src/profiles/389ds/actions/backup/facts.ts';
import { backupActions } from '../../../src/profiles/389ds/actions/backup/index.ts';
import { sha256File, writeHeader } from '../../../src/backup/index.ts';
import { encryptFile, generateKeyPair, type GeneratedKeyPair } from '../../../src/crypto/index.ts';
import { writeRandomFile } from '../crypto/gpg.ts';
import { fakeContext, host, inventory } from './fake-context.ts';
import { sampleHeader } from './sample-header.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

const PASS = 'restore-test-passphrase';
const inv = inventory([host('ds1', ['ca', 'dns']), host('ds2', ['ca']), host('ds4', ['ca', 'dns', 'hidden'])]);

describe('registration', () => {
  it('exports both actions', () => {
    expect(backupActions.map((a) => a.name)).toEqual(['backup.create', 'backup.check', 'backup.restore']);
    expect(backupRestore.destructive).toBe(true);
  });
});

describe('backup.create plan', () => {
  let pub: GeneratedKeyPair;
  beforeAll(async () => {
    pub = await generateKeyPair({ name: 'Plan Test', passphrase: 'plan-test-pass', outDir: mkdtempSync(path.join(tmpdir(), 'lifeboat-plan-key-')) });
  });

  it('online: one task entry over LDAPI, a host-side wait loop, pack, fetch encrypting on the way, header, roll', async () => {
    const ctx = fakeContext({ inv, host: 'ds4', args: { recipient_key: pub.publicKeyFile, roll: 3, dest: '/srv/bk' } });
    const plan = await backupCreate.plan(ctx);
    expect(plan[6]?.note).toBe(`encrypted on the way for key ${pub.fingerprint} (${pub.publicKeyFile}); sha256 of the archive verified`);
    const cmds = plan.map((c) => c.command);
    // On resume only: what an unfinished attempt of the same run left.
    expect(cmds[2]).toContain("rm -rf '/var/lib/dirsrv/slapd-lab/bak/<name of an unfinished earlier attempt>'");
    expect(cmds[3]).toBe("ldapmodify -Q -Y EXTERNAL -H ldapi://%2Frun%2Fslapd-lab.socket");
    expect(plan[3]?.stdin).toBe('LDIF: add cn=lifeboat-data-<UTC time>,cn=backup,cn=tasks,cn=config');
    expect(cmds[4]).toMatch(/^i=0; down=0; out=''; while .*nsTaskExitCode.*exit 125/);
    expect(cmds[5]).toBe(
      "umask 077; tar -cf '/var/tmp/lifeboat-data-<UTC time>.tar' --transform 's,^lifeboat-data-<UTC time>,db,' -C '/var/lib/dirsrv/slapd-lab/bak' 'lifeboat-data-<UTC time>' && rm -rf '/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-<UTC time>'",
    );
    expect(cmds.slice(6)).toEqual([
      'sftp get /var/tmp/lifeboat-data-<UTC time>.tar -> /srv/bk/lab/lifeboat-data-<UTC time>/payload.tar.gpg',
      "rm -rf '/var/tmp/lifeboat-data-<UTC time>.tar'",
      'write /srv/bk/lab/lifeboat-data-<UTC time>/header.json',
      'keep the last 3 data backups in /srv/bk/lab',
    ]);
  });

  it('db2ldif-replication, full: one offline shell per host that always starts the server again, config packed too', async () => {
    const ctx = fakeContext({ inv, host: 'ds4', args: { method: 'db2ldif-replication', type: 'full' } });
    const cmds = (await backupCreate.plan(ctx)).map((c) => c.command);
    expect(cmds[3]).toBe(
      "lb_out=$(mktemp) || exit 1; ( dsctl 'lab' stop && { rc=0; dsctl 'lab' db2ldif --replication '<backend of dc=lab,dc=test>' '/var/lib/dirsrv/slapd-lab/ldif/lifeboat-full-<UTC time>-<backend of dc=lab,dc=test>.ldif' || rc=$?; dsctl 'lab' start; exit $rc; } ) >\"$lb_out\" 2>&1; lb_rc=$?; cat \"$lb_out\"; rm -f \"$lb_out\"; (exit $lb_rc)",
    );
    expect(cmds[5]).toContain("--transform 's,^slapd-lab,config,' -C /etc/dirsrv 'slapd-lab'");
    expect(cmds[5]).toContain("--transform 's,^lifeboat-full-<UTC time>-,ldif/,'");
  });

  it('refuses a host that lacks a role used in the cluster, like ipa-backup, unless disabled', async () => {
    const ctx = fakeContext({ inv, host: 'ds2', args: {} });
    await expect(async () => backupCreate.plan(ctx)).rejects.toThrow(/ds2 lacks role\(s\) dns used in cluster lab.*disable_role_check: true/);
    const ok = fakeContext({ inv, host: 'ds2', args: { disable_role_check: true } });
    expect(await backupCreate.plan(ok)).not.toHaveLength(0);
  });

  it('refuses a recipient key file that is missing or holds no key, before anything runs', async () => {
    await expect(async () => backupCreate.plan(fakeContext({ inv, host: 'ds4', args: { recipient_key: '/nonexistent/k.asc' } }))).rejects.toThrow(
      /^cannot read key file \/nonexistent\/k\.asc: no such file$/,
    );
    const notKey = path.join(mkdtempSync(path.join(tmpdir(), 'lifeboat-plan-key-')), 'notes.txt');
    writeFileSync(notKey, 'not a key\n');
    await expect(async () => backupCreate.plan(fakeContext({ inv, host: 'ds4', args: { recipient_key: notKey } }))).rejects.toThrow(/notes\.txt is not an OpenPGP key/);
  });

  it('rejects bad arguments with the allowed values', async () => {
    await expect(async () => backupCreate.plan(fakeContext({ inv, host: 'ds4', args: { method: 'snapshot' } }))).rejects.toThrow(/method must be online, db2bak, db2ldif-replication/);
    await expect(async () => backupCreate.plan(fakeContext({ inv, host: 'ds4', args: { roll: -1 } }))).rejects.toThrow(/roll must be a whole number >= 0/);
  });
});

describe('restore checks', () => {
  const t = { host: 'ds2', instance: 'lab', suffixes: ['dc=lab,dc=test'], dsVersion: '2.3.1' };
  it('accepts a data backup from another host', () => {
    expect(restoreProblems(sampleHeader({ host: 'ds4' }), t)).toEqual({ refuse: [], forceable: [] });
  });
  it('a full backup belongs to its own host; a missing suffix is never forced', () => {
    const p = restoreProblems(sampleHeader({ type: 'full', host: 'ds4', suffixes: ['dc=lab,dc=test', 'o=ipaca'] }), t);
    expect(p.refuse).toEqual(['ds2 does not hold suffix(es) o=ipaca from the backup (it holds dc=lab,dc=test)']);
    expect(p.forceable).toEqual(['a full backup is restored on the host it came from (ds4), not on ds2']);
  });
  it('a suffix the target holds and the backup lacks is refused: the restore would empty it, the re-inits spread that', () => {
    // Seen on a lab: o=extra on ds2..ds4 only, the backup taken on ds5: bak2db left ds2's o=extra empty and its server died.
    const p = restoreProblems(sampleHeader({ host: 'ds5', suffixes: ['dc=lab,dc=test', 'o=ipaca'] }), { ...t, suffixes: ['dc=lab,dc=test', 'o=extra', 'o=ipaca'] });
    expect(p.refuse).toEqual([
      'ds2 holds o=extra, which the backup (taken on ds5) does not: restoring it would leave o=extra empty on ds2 (a database restore replaces every backend) and the re-initialization would carry that to every replica of o=extra; back up a host that holds every suffix of the topology, or choose a master whose suffixes the backup holds',
    ]);
  });
  it('an ipa backup restores where a 389ds one does; another profile\'s backup never', () => {
    expect(restoreProblems(sampleHeader({ host: 'ds4', profile: 'ipa' }), t)).toEqual({ refuse: [], forceable: [] });
    expect(restoreProblems(sampleHeader({ host: 'ds4', profile: 'keytrustee' }), t).refuse).toEqual([
      'the backup was made by profile keytrustee; these actions restore 389ds and ipa backups',
    ]);
  });
  it('version window: same major, up to three minor versions newer', () => {
    expect(versionProblem('2.3.1', '2.6.0')).toBeUndefined();
    expect(versionProblem('2.3.1', '2.7.0')).toMatch(/more than three minor versions older/);
    expect(versionProblem('2.3.1', '2.2.9')).toMatch(/newer than the host's 2.2.9/);
    expect(versionProblem('2.3.1', '3.0.0')).toMatch(/another major version/);
  });
});

describe('backup.restore refuses before touching data', () => {
  let dir: string;
  let key: GeneratedKeyPair;
  let other: GeneratedKeyPair;
  let good: string;

  async function makeBackup(name: string): Promise<string> {
    const bdir = path.join(dir, 'lab', name);
    mkdirSync(bdir, { recursive: true });
    writeRandomFile(path.join(bdir, 'payload.tar'), 3 * 1024 * 1024);
    const archive = await sha256File(path.join(bdir, 'payload.tar'));
    const enc = await encryptFile(path.join(bdir, 'payload.tar'), path.join(bdir, 'payload.tar.gpg'), { recipientKeyFile: key.publicKeyFile });
    rmSync(path.join(bdir, 'payload.tar'));
    const stored = await sha256File(path.join(bdir, 'payload.tar.gpg'));
    await writeHeader(bdir, sampleHeader({ host: 'ds4', encrypted: true, recipientFingerprint: enc.recipientFingerprint, payload: { file: 'payload.tar.gpg', ...stored }, archive }));
    return bdir;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lb-restore-'));
    key = await generateKeyPair({ name: 'Restore Test', passphrase: PASS, outDir: path.join(dir, 'keys') });
    other = await generateKeyPair({ name: 'Other', passphrase: PASS, outDir: path.join(dir, 'keys') });
    good = await makeBackup('lifeboat-data-2026-11-22-04-00-00');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function host2() {
    return scriptedHost('ds2', (c) => {
      if (c.includes('ns-slapd -v')) return { stdout: 'ds2.lab.test\n2.3.1\n' };
      if (c.startsWith('df ')) return { stdout: '999999999999\n' };
      return undefined;
    });
  }
  const touchesData = (cmds: string[]) => cmds.filter((c) => /bak2db|ldif2db|tar -xf|cn=restore/.test(c));

  it('plans the exact restore from the header', async () => {
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: 'lifeboat-data-2026-11-22-04-00-00', dest: dir, key: key.privateKeyFile } });
    const cmds = (await backupRestore.plan(ctx)).map((c) => c.command);
    // auto: the online task when the server answers, else stop / bak2db / start (decided on the host).
    expect(cmds).toContain(restoreCommand('lab', '/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-2026-11-22-04-00-00.restore/db', 'lifeboat-data-2026-11-22-04-00-00-restore'));
    const offline = (await backupRestore.plan(fakeContext({ inv, host: 'ds2', args: { backup: 'lifeboat-data-2026-11-22-04-00-00', dest: dir, key: key.privateKeyFile, method: 'bak2db' } }))).map((c) => c.command);
    expect(offline).toContain(
      "lb_out=$(mktemp) || exit 1; ( dsctl 'lab' stop && { rc=0; dsctl 'lab' bak2db '/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-2026-11-22-04-00-00.restore/db' || rc=$?; dsctl 'lab' start; exit $rc; } ) >\"$lb_out\" 2>&1; lb_rc=$?; cat \"$lb_out\"; rm -f \"$lb_out\"; (exit $lb_rc)",
    );
    expect(cmds.at(-1)).toBe("rm -rf '/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-2026-11-22-04-00-00.restore'");
  });

  it('decrypts while uploading and checks the archive sha256 (happy path up to the restore)', async () => {
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await backupRestore.run(ctx);
    // The decrypted archive streams into tar on the host (nothing stored as a tar there).
    const received = h.execs.filter((e) => e.stdinBytes !== undefined);
    expect(received.map((e) => e.command)).toEqual([receiveArchiveCommand('/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-2026-11-22-04-00-00.restore')]);
    expect(received[0]?.stdinBytes).toBe(3 * 1024 * 1024);
    expect(touchesData(h.commands)).toHaveLength(2); // unpack as it arrives, then the restore (online task or bak2db)
  });

  it('plan is exact: every command backup.check and backup.restore run on the host is in their plan', async () => {
    // Seen comparing an 8-host data-loss journal with its plan: the backends search ran, unplanned.
    const args = { backup: good, key: key.privateKeyFile, passphrase: PASS };
    for (const action of [backupCheck, backupRestore]) {
      const planned = new Set((await action.plan(fakeContext({ inv, host: 'ds2', args }))).map((c) => c.command));
      const h = host2();
      await action.run(fakeContext({ inv, host: 'ds2', args, remote: h.remote }));
      // The online restore's wait loop is planned as the task command; read-only checks must all be there.
      expect(h.commands.filter((c) => !planned.has(c) && !/cn=restore|bak2db|mkfifo|rm -rf/.test(c)), action.name).toEqual([]);
    }
  });

  it('a host that hashed other bytes than were sent: refused, the unpacked copy removed, no restore', async () => {
    const h = scriptedHost('ds2', (c) => {
      if (c.includes('ns-slapd -v')) return { stdout: 'ds2.lab.test\n2.3.1\n' };
      if (c.startsWith('df ')) return { stdout: '999999999999\n' };
      if (c.includes('mkfifo')) return { stdout: `${'0'.repeat(64)}\n` };
      return undefined;
    });
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/ds2 received other bytes than were sent: sha256 0{64} there, [0-9a-f]{64} here; nothing was restored/);
    expect(h.commands.at(-1)).toBe("rm -rf '/var/lib/dirsrv/slapd-lab/bak/lifeboat-data-2026-11-22-04-00-00.restore'");
    expect(h.commands.filter((c) => /bak2db|cn=restore/.test(c))).toEqual([]);
  });

  it('tar failing on the host (full disk, bad archive) is reported with its words, and nothing is restored', async () => {
    const h = scriptedHost('ds2', (c) => {
      if (c.includes('ns-slapd -v')) return { stdout: 'ds2.lab.test\n2.3.1\n' };
      if (c.startsWith('df ')) return { stdout: '999999999999\n' };
      if (c.includes('mkfifo')) return { code: 2, stderr: 'tar: ./db/userroot/id2entry.db: Cannot write: No space left on device\n' };
      return undefined;
    });
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/ds2: unpacking the backup failed \(exit 2\): tar: .*No space left on device; nothing was restored/);
    expect(h.commands.filter((c) => /bak2db|cn=restore/.test(c))).toEqual([]);
  });

  it('wrong key: names both fingerprints, connects to nothing', async () => {
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: good, key: other.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(`backup was encrypted for key ${key.fingerprint}; the given key is ${other.fingerprint}`);
    expect(h.commands).toEqual([]);
  });

  it('wrong passphrase: clear error without the passphrase, nothing uploaded', async () => {
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: 'Not-The-One' }, remote: h.remote });
    const err = (await backupRestore.run(ctx).then(
      () => new Error('resolved'),
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/wrong passphrase for the private key .*nothing was restored/);
    expect(err.message).not.toContain('Not-The-One');
    expect(h.execs.filter((e) => e.stdinBytes !== undefined)).toEqual([]);
    expect(touchesData(h.commands)).toEqual([]);
  });

  it('truncated payload: integrity error, the uploaded part removed, no restore', async () => {
    const cut = path.join(dir, 'lab', 'lifeboat-data-2026-11-22-04-00-01');
    mkdirSync(cut);
    for (const f of ['header.json', 'payload.tar.gpg']) copyFileSync(path.join(good, f), path.join(cut, f));
    truncateSync(path.join(cut, 'payload.tar.gpg'), statSync(path.join(cut, 'payload.tar.gpg')).size - 5000);
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: cut, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    // The stored payload no longer matches its header's sha256: refused before connecting at all.
    await expect(backupRestore.run(ctx)).rejects.toThrow(/cannot be restored on ds2:\n  - payload\.tar\.gpg does not match its header .*truncated or corrupt/);
    expect(h.commands).toEqual([]);
  });

  it('refuses a full backup from another host unless forced, and when the disk is too small', async () => {
    const full = path.join(dir, 'lab', 'lifeboat-full-2026-11-22-04-00-02');
    mkdirSync(full);
    copyFileSync(path.join(good, 'payload.tar.gpg'), path.join(full, 'payload.tar.gpg'));
    const { readFileSync } = await import('node:fs');
    const hdr = JSON.parse(readFileSync(path.join(good, 'header.json'), 'utf8'));
    writeFileSync(path.join(full, 'header.json'), JSON.stringify({ ...hdr, type: 'full' }));
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: full, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/cannot be restored on ds2:\n  - a full backup is restored on the host it came from \(ds4\), not on ds2 \(force: true overrides\)/);
    expect(h.commands).toEqual([]);
    const small = scriptedHost('ds2', (c) => (c.includes('ns-slapd -v') ? { stdout: 'x\n2.3.1\n' } : c.startsWith('df ') ? { stdout: '1000\n' } : undefined));
    const ctx2 = fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: small.remote });
    await expect(backupRestore.run(ctx2)).rejects.toThrow(/not enough disk space .*1000 bytes free, the restore needs 9437184/);
    expect(small.uploads).toEqual([]);
  });

  it('refuses a backup of another cluster (its header names it), connecting to nothing', async () => {
    const foreign = path.join(dir, 'lab', 'lifeboat-data-2026-11-22-04-00-03');
    mkdirSync(foreign);
    copyFileSync(path.join(good, 'payload.tar.gpg'), path.join(foreign, 'payload.tar.gpg'));
    const { readFileSync } = await import('node:fs');
    const hdr = JSON.parse(readFileSync(path.join(good, 'header.json'), 'utf8'));
    writeFileSync(path.join(foreign, 'header.json'), JSON.stringify({ ...hdr, cluster: 'other' }));
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: foreign, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/cannot be restored on ds2:\n  - the backup is of cluster other, this inventory is cluster lab: .* \(force: true overrides\)/);
    expect(h.commands).toEqual([]);
  });

  it('a key file that cannot be read is refused before a backup is chosen (also for a clear one)', async () => {
    const clear = path.join(dir, 'lab', 'lifeboat-data-2026-11-22-04-00-04');
    mkdirSync(clear);
    writeRandomFile(path.join(clear, 'payload.tar'), 1024);
    const stored = await sha256File(path.join(clear, 'payload.tar'));
    await writeHeader(clear, sampleHeader({ host: 'ds4', encrypted: false, payload: { file: 'payload.tar', ...stored }, archive: stored }));
    const h = host2();
    const ctx = fakeContext({ inv, host: 'ds2', args: { backup: clear, key: path.join(dir, 'no-such-key.asc') }, remote: h.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/^key .*no-such-key\.asc cannot be read \(no such file\): give the private key file/);
    // backup=latest with that key must not fall back to an older clear backup: refused the same way.
    const latest = fakeContext({ inv, host: 'ds2', args: { backup: 'latest', dest: dir, key: path.join(dir, 'no-such-key.asc') }, remote: h.remote });
    await expect(backupRestore.run(latest)).rejects.toThrow(/^key .*no-such-key\.asc cannot be read/);
    expect(h.commands).toEqual([]);
  });

  it('the server decides which suffixes the target holds, not the inventory (absent or stale there)', async () => {
    const noSuffixes = inventory(inv.hosts, { suffixes: undefined });
    const other = scriptedHost('ds2', (c) => {
      if (c.includes('ns-slapd -v')) return { stdout: 'ds2.lab.test\n2.3.1\n' };
      if (c.includes('nsBackendInstance')) return { stdout: 'dn: cn=userroot,cn=ldbm database,cn=plugins,cn=config\ncn: userroot\nnsslapd-suffix: dc=other,dc=test\n\n' };
      if (c.startsWith('df ')) return { stdout: '999999999999\n' };
      return undefined;
    });
    const ctx = fakeContext({ inv: noSuffixes, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: other.remote });
    await expect(backupRestore.run(ctx)).rejects.toThrow(/ds2 does not hold suffix\(es\) dc=lab,dc=test from the backup \(it holds dc=other,dc=test\)/);
    expect(other.uploads).toEqual([]);
    expect(touchesData(other.commands)).toEqual([]);
  });

  it('backup.check decrypts the payload into a hash and changes nothing; it catches truncation and a wrong passphrase', async () => {
    const h = host2();
    const ok = await backupCheck.run(fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote }));
    expect(ok.changed).toBe(false);
    expect(ok.summary).toMatch(/can be restored on ds2 with online-or-bak2db; payload decrypted and verified/);
    expect(h.uploads).toEqual([]);
    expect(touchesData(h.commands)).toEqual([]);
    const cut = path.join(dir, 'lab', 'lifeboat-data-2026-11-22-04-00-01');
    await expect(backupCheck.run(fakeContext({ inv, host: 'ds2', args: { backup: cut, key: key.privateKeyFile, passphrase: PASS }, remote: h.remote }))).rejects.toThrow(
      /payload\.tar\.gpg does not match its header .*truncated or corrupt/,
    );
    await expect(
      backupCheck.run(fakeContext({ inv, host: 'ds2', args: { backup: good, key: key.privateKeyFile, passphrase: 'Not-The-One', verify_payload: false }, remote: h.remote })),
    ).rejects.toThrow(/wrong passphrase/);
  });
});
