import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedCommand } from '../../../src/actions/types.ts';
import { listBackups, readEnvelope } from '../../../src/backup/index.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { ipaBackupCreate } from '../../../src/profiles/ipa/actions/backup-create.ts';
import { ipaBackupCheck, ipaBackupRestore } from '../../../src/profiles/ipa/actions/backup-restore.ts';
import { ipaPreflight } from '../../../src/profiles/ipa/actions/preflight.ts';
import { ipaReplicaReinit } from '../../../src/profiles/ipa/actions/replica-reinit.ts';
import { IPA_FACTS_COMMAND } from '../../../src/profiles/ipa/host-facts.ts';
import { fakeContext } from '../backup/fake-context.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = path.join(root, 'test/fixtures/ipa');
const SECRET = 'Dm-Secret-4-tests';

const DF = `df -Pk '/var/lib/ipa' | awk 'NR==2 {print $4 * 1024}'`;
/** The host's answers: its facts, and 10 GB free under /var/lib/ipa. */
const answers = (f: string, more: (c: string) => object | undefined = () => undefined) => (c: string) =>
  c === IPA_FACTS_COMMAND ? { stdout: f } : c === DF ? { stdout: '10000000000\n' } : more(c);

function facts(o: { fqdn?: string; version?: string; configured?: boolean; missing?: string[] } = {}): string {
  const tools = ['ipactl', 'ipa-backup', 'ipa-restore', 'ipa-replica-manage', 'ipa-csreplica-manage'];
  return [
    `fqdn\t${o.fqdn ?? 'ipa1.dc1.example.com'}`,
    `ipa_version\t${o.version ?? '4.9.8'}`,
    `configured\t${o.configured === false ? 'no' : 'yes'}`,
    ...tools.map((t) => `${t}\t${o.missing?.includes(t) ? '' : `/usr/sbin/${t}`}`),
    '',
  ].join('\n');
}

/** IdM's servers as ipa.backup.create reads them (cn=masters, one level). */
const MASTERS = "ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H ldapi://%2Frun%2Fslapd-EXAMPLE-COM.socket -b 'cn=masters,cn=ipa,cn=etc,dc=example,dc=com' -s one '(objectClass=*)' 'cn'";
const MASTERS_LDIF = ['ipa1.dc1', 'ipa2.dc1', 'ipa3.dc2', 'ipa4.dc2'].map((h) => `dn: cn=${h}.example.com,cn=masters,cn=ipa,cn=etc,dc=example,dc=com\ncn: ${h}.example.com\n`).join('\n');

let inv: Inventory;
let work: string;
beforeAll(async () => {
  inv = await loadInventory(path.join(root, 'inventories/example-ipa.yaml'));
  work = mkdtempSync(path.join(tmpdir(), 'lb-ipa-actions-'));
  cpSync(path.join(fixtures, 'store'), path.join(work, 'store'), { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DATA = () => path.join(work, 'store/idm-prod/lifeboat-data-2026-11-30-12-14-30');
const hostCommands = (planned: PlannedCommand[], host: string) => planned.filter((c) => c.host === host && !c.command.startsWith('sftp ')).map((c) => c.command);

describe('ipa.backup.restore', () => {
  it('runs exactly what it plans; the DM password goes on stdin with the answers, never in a command line', async () => {
    const h = scriptedHost('ipa1', answers(facts()));
    const ctx = fakeContext({ inv, host: 'ipa1', args: { backup: DATA(), data: true }, remote: h.remote, secrets: { dm_password: SECRET } });
    const planned = await ipaBackupRestore.plan(ctx);
    const result = await ipaBackupRestore.run(ctx);
    expect(result.changed).toBe(true);
    expect(h.execs.map((e) => e.command)).toEqual(hostCommands(planned, 'ipa1'));
    const restore = h.execs.at(-1)!;
    expect(restore.command).toBe('ipa-restore --data /var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23');
    expect(restore.stdin).toBe(`${SECRET}\nyes\n`);
    expect(h.execs.filter((e) => e.command.includes(SECRET))).toEqual([]);
    const header = await readEnvelope(DATA());
    expect(h.uploads).toEqual([{ path: '/var/tmp/lifeboat-data-2026-11-30-12-14-30.tar', bytes: header.archive.size, sha256: header.archive.sha256 }]);
  });

  it('refuses a backup made on another host before uploading anything (ipa-restore restores only where it was made)', async () => {
    const h = scriptedHost('ipa2', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts({ fqdn: 'ipa2.dc1.example.com' }) } : undefined));
    const ctx = fakeContext({ inv, host: 'ipa2', args: { backup: DATA() }, remote: h.remote, secrets: { dm_password: SECRET } });
    await expect(ipaBackupRestore.run(ctx)).rejects.toThrow(/the backup was taken on ipa1\.dc1\.example\.com, this host is ipa2\.dc1\.example\.com/);
    expect(h.execs.map((e) => e.command)).toEqual([IPA_FACTS_COMMAND]);
    expect(h.uploads).toEqual([]);
  });

  it('another IPA version: refused, unless force — then ipa-restore gets the extra "yes" it will ask for', async () => {
    const answer = answers(facts({ version: '4.10.1' }));
    const refused = scriptedHost('ipa1', answer);
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: DATA() }, remote: refused.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(
      /the backup is IPA 4\.9\.8, the host runs 4\.10\.1 \(force: true overrides\)/,
    );
    expect(refused.uploads).toEqual([]);
    const forced = scriptedHost('ipa1', answer);
    const ctx = fakeContext({ inv, host: 'ipa1', args: { backup: DATA(), force: true }, remote: forced.remote, secrets: { dm_password: SECRET } });
    await ipaBackupRestore.run(ctx);
    expect(forced.execs.at(-1)!.stdin).toBe(`${SECRET}\nyes\nyes\n`);
    expect(ctx.events.some((e) => e.kind === 'warning' && e.message.startsWith('forced: the backup is IPA 4.9.8'))).toBe(true);
  });

  it('a host without the IdM tools: "profile ipa: … not found on ipa1", nothing else run', async () => {
    const h = scriptedHost('ipa1', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts({ missing: ['ipa-restore'] }) } : undefined));
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: DATA() }, remote: h.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(
      /^profile ipa: ipa-restore not found on ipa1/,
    );
    expect(h.execs).toHaveLength(1);
    expect(h.uploads).toEqual([]);
  });

  it('not enough room under /var/lib/ipa for the upload and its unpacked copy: refused before uploading', async () => {
    const h = scriptedHost('ipa1', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts() } : c === DF ? { stdout: '1000\n' } : undefined));
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: DATA() }, remote: h.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(
      /ipa1: not enough disk space in \/var\/lib\/ipa: 1000 bytes free, the restore needs 20480/,
    );
    expect(h.uploads).toEqual([]);
  });

  it('an ipa-backup --gpg archive without gpg_home: refused before uploading', async () => {
    const h = scriptedHost('ipa1', answers(facts()));
    const enc = path.join(work, 'store/idm-prod/lifeboat-data-2026-11-30-12-20-10');
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: enc }, remote: h.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(
      /ipa-data\.tar\.gpg is encrypted: give gpg_home/,
    );
    expect(h.uploads).toEqual([]);
  });

  it('a corrupt payload on the controller is refused before connecting', async () => {
    const dir = path.join(work, 'store/idm-prod/lifeboat-data-2026-11-30-12-14-31');
    cpSync(DATA(), dir, { recursive: true });
    execFileSync('truncate', ['-s', '100', path.join(dir, 'payload.tar')]);
    const h = scriptedHost('ipa1', () => undefined);
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: dir }, remote: h.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(/truncated or corrupt/);
    expect(h.execs).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});

describe('a data-loss restore of a backup that predates a server (ipa-restore(1): it must be reinstalled)', () => {
  it('is refused by ipa.backup.check and ipa.backup.restore, in plan and run, before connecting; other uses are not', async () => {
    const dir = path.join(work, 'store/idm-prod/lifeboat-data-2026-11-30-12-14-32');
    cpSync(DATA(), dir, { recursive: true });
    const file = path.join(dir, 'header.json');
    const env = JSON.parse(readFileSync(file, 'utf8'));
    env.body.servers = ['ipa1.dc1.example.com', 'ipa2.dc1.example.com', 'ipa3.dc2.example.com'];
    writeFileSync(file, JSON.stringify(env, null, 2));
    const h = scriptedHost('ipa1', answers(facts()));
    const ctx = (a: Record<string, unknown>) => fakeContext({ inv, host: 'ipa1', args: { backup: dir, ...a }, remote: h.remote, secrets: { dm_password: SECRET } });
    const why = /lifeboat-data-2026-11-30-12-14-32 \(2026-11-30T12:14:23 UTC\) predates ipa4 \(ipa4\.dc2\.example\.com\): IdM's servers then were ipa1\.dc1\.example\.com, ipa2\.dc1\.example\.com, ipa3\.dc2\.example\.com\. .*could not be re-initialized, only reinstalled/;
    await expect(async () => ipaBackupCheck.plan(ctx({ reinit_all: true }))).rejects.toThrow(why);
    await expect(ipaBackupCheck.run(ctx({ reinit_all: true }))).rejects.toThrow(why);
    await expect(async () => ipaBackupRestore.plan(ctx({ reinit_all: true }))).rejects.toThrow(why);
    await expect(ipaBackupRestore.run(ctx({ reinit_all: true }))).rejects.toThrow(why);
    expect(h.execs).toEqual([]);
    // server-loss restores a server's own backup and pulls everything else from a healthy server.
    await expect(ipaBackupCheck.run(ctx({}))).resolves.toMatchObject({ changed: false });
    rmSync(dir, { recursive: true });
  });
});

describe('ipa.backup.create', () => {
  it('runs ipa-backup, reads its header, stores an envelope the restore then finds as "latest"', async () => {
    const made = '/var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23';
    const tar = path.join(work, 'made.tar');
    execFileSync('tar', ['-cf', tar, '-C', path.join(fixtures, 'backup'), 'ipa-data-2026-11-30-12-14-23']);
    const dest = path.join(work, 'created');
    let remoteTar = '';
    const h = scriptedHost(
      'ipa4',
      (c) => {
        if (c === IPA_FACTS_COMMAND) return { stdout: facts({ fqdn: 'ipa1.dc1.example.com' }) };
        if (c === MASTERS) return { stdout: MASTERS_LDIF };
        if (c === 'ipa-backup --data --online') return { stderr: `Preparing backup on ipa1.dc1.example.com\nBacked up to ${made}\nThe ipa-backup command was successful\n` };
        if (c === `cat ${made}/header`) return { stdout: readFileSync(path.join(fixtures, 'backup/ipa-data-2026-11-30-12-14-23/header'), 'utf8') };
        const m = /^tar -cf (\S+) -C \/var\/lib\/ipa\/backup ipa-data-2026-11-30-12-14-23$/.exec(c);
        if (m) remoteTar = m[1]!;
        return undefined;
      },
      new Proxy({} as Record<string, string>, { get: (_, p) => (p === remoteTar ? tar : undefined) }),
    );
    const ctx = fakeContext({ inv, host: 'ipa4', args: { data: true, online: true, dest }, remote: h.remote });
    const result = await ipaBackupCreate.run(ctx);
    expect(result.changed).toBe(true);
    expect(h.execs.map((e) => e.command)).toEqual([
      IPA_FACTS_COMMAND,
      MASTERS,
      'ipa-backup --data --online',
      `cat ${made}/header`,
      `tar -cf ${remoteTar} -C /var/lib/ipa/backup ipa-data-2026-11-30-12-14-23`,
      `rm -f ${remoteTar}`,
    ]);
    const [listed] = await listBackups(dest, 'idm-prod');
    expect(listed!.envelope).toMatchObject({ formatVersion: 2, profile: 'ipa', host: 'ipa4', hostname: 'ipa1.dc1.example.com', encryption: { kind: 'none' } });
    expect(listed!.envelope!.body).toMatchObject({ method: 'ipa-backup', type: 'data', dir: 'ipa-data-2026-11-30-12-14-23', archive: 'ipa-data.tar', header: { host: 'ipa1.dc1.example.com', type: 'DATA' } });
    expect(listed!.envelope!.body.servers).toEqual(['ipa1.dc1.example.com', 'ipa2.dc1.example.com', 'ipa3.dc2.example.com', 'ipa4.dc2.example.com']);
    // Round trip: the restore finds it as "latest" and uploads exactly the fetched bytes.
    const r = scriptedHost('ipa1', answers(facts()));
    await ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: 'latest', dest }, remote: r.remote, secrets: { dm_password: SECRET } }));
    expect(r.uploads[0]!.sha256).toBe(listed!.envelope!.archive.sha256);
    // latest-good: refused until a run restored and verified it, then it is the one chosen.
    const g = scriptedHost('ipa1', answers(facts()));
    await expect(ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: 'latest-good', dest }, remote: g.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(/backup=latest-good: no restore-tested backup of cluster idm-prod/);
    expect(g.execs).toEqual([]);
    writeFileSync(path.join(listed!.dir, 'restore-tests.jsonl'), `${JSON.stringify({ runId: 'r9', time: 't', host: 'ipa1', verifiedBy: ['verify.converged'] })}\n`);
    const g2 = scriptedHost('ipa1', answers(facts()));
    await ipaBackupRestore.run(fakeContext({ inv, host: 'ipa1', args: { backup: 'latest-good', dest }, remote: g2.remote, secrets: { dm_password: SECRET } }));
    expect(g2.uploads[0]!.sha256).toBe(listed!.envelope!.archive.sha256);
  });

  it('a header naming another host than the one backed up is refused and nothing is kept', async () => {
    const made = '/var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23';
    const dest = path.join(work, 'refused');
    const h = scriptedHost('ipa4', (c) => {
      if (c === IPA_FACTS_COMMAND) return { stdout: facts({ fqdn: 'ipa4.dc2.example.com' }) };
      if (c === MASTERS) return { stdout: MASTERS_LDIF };
      if (c.startsWith('ipa-backup')) return { stderr: `Backed up to ${made}\n` };
      if (c === `cat ${made}/header`) return { stdout: readFileSync(path.join(fixtures, 'backup/ipa-data-2026-11-30-12-14-23/header'), 'utf8') };
      return undefined;
    });
    await expect(ipaBackupCreate.run(fakeContext({ inv, host: 'ipa4', args: { data: true, dest }, remote: h.remote }))).rejects.toThrow(/names host ipa1\.dc1\.example\.com, but ipa4 is ipa4\.dc2\.example\.com/);
    expect(await listBackups(dest, 'idm-prod')).toEqual([]);
  });

  it('a GnuPG home whose default key is not the recipient: refused before ipa-backup runs', async () => {
    const h = scriptedHost('ipa4', (c) => {
      if (c === IPA_FACTS_COMMAND) return { stdout: facts() };
      if (c === MASTERS) return { stdout: MASTERS_LDIF };
      if (c.startsWith('gpg ')) return { stdout: 'sec:u:2048:1:1111111111111111:1::::::\nfpr:::::::::0000000000000000000000001111111111111111:\n' };
      return undefined;
    });
    const args = { data: true, gpg: true, gpg_home: '/root/backup', recipient: '8F6FCF10C80359D5A05AED67BF28FFA302EF4557', dest: path.join(work, 'gpg') };
    await expect(ipaBackupCreate.run(fakeContext({ inv, host: 'ipa4', args, remote: h.remote }))).rejects.toThrow(/default key of \/root\/backup is 0000000000000000000000001111111111111111, not 8F6FCF10/);
    expect(h.execs.map((e) => e.command)).toEqual([IPA_FACTS_COMMAND, MASTERS, 'gpg --homedir /root/backup --batch --with-colons --list-secret-keys']);
  });
});

describe('fenced servers (replication.fence accepted them as stopped) are left alone', () => {
  it('ipa.preflight and ipa.replica.reinit skip them without connecting', async () => {
    for (const action of [ipaPreflight, ipaReplicaReinit]) {
      const ctx = { ...fakeContext({ inv, host: 'ipa3', args: { from: 'ipa1' } }), vars: { fenced: ['ipa3'] } };
      expect(await action.run(ctx)).toEqual({ changed: false, summary: 'fenced (unreachable, confirmed stopped): skipped' });
    }
  });
});

describe('ipa.replica.reinit', () => {
  it('both suffixes on a CA server, each tool with the password on stdin', async () => {
    const h = scriptedHost('ipa2', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts({ fqdn: 'ipa2.dc1.example.com' }) } : undefined));
    const ctx = fakeContext({ inv, host: 'ipa2', args: { from: 'ipa1', suffix: 'both' }, remote: h.remote, secrets: { dm_password: SECRET } });
    const planned = await ipaReplicaReinit.plan(ctx);
    await ipaReplicaReinit.run(ctx);
    expect(h.execs).toEqual([
      { command: IPA_FACTS_COMMAND },
      { command: 'ipa-replica-manage re-initialize --from=ipa1.dc1.example.com', stdin: `${SECRET}\n` },
      { command: 'ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com', stdin: `${SECRET}\n` },
    ]);
    expect(h.execs.map((e) => e.command)).toEqual(planned.map((c) => c.command));
  });

  it('pulls each suffix from its own parent in topology.discover\'s per-suffix plan (CA on a subset: the engine\'s merged-graph parent may have no o=ipaca agreement)', async () => {
    const agreements = [
      { host: 'ipa1', peer: 'ipa4', suffix: 'dc=example,dc=com' },
      { host: 'ipa3', peer: 'ipa4', suffix: 'o=ipaca' },
    ];
    const reinit_plan = { 'dc=example,dc=com': { ipa4: 'ipa1' }, 'o=ipaca': { ipa4: 'ipa3' } };
    const runDir = mkdtempSync(path.join(tmpdir(), 'lb-ipa-reinit-'));
    const h = scriptedHost('ipa4', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts({ fqdn: 'ipa4.dc2.example.com' }) } : undefined));
    const ctx = { ...fakeContext({ inv, host: 'ipa4', args: { suffix: 'both' }, remote: h.remote, secrets: { dm_password: SECRET } }), vars: { parent: 'ipa1', agreements, reinit_plan }, runDir };
    const planned = await ipaReplicaReinit.plan(ctx);
    await ipaReplicaReinit.run(ctx);
    expect(h.execs.map((e) => e.command)).toEqual([
      IPA_FACTS_COMMAND,
      'ipa-replica-manage re-initialize --from=ipa1.dc1.example.com',
      'ipa-csreplica-manage re-initialize --from=ipa3.dc2.example.com',
    ]);
    expect(h.execs.map((e) => e.command)).toEqual(planned.map((c) => c.command));
    rmSync(runDir, { recursive: true, force: true });
  });

  it('refuses a source without an o=ipaca agreement to this server (discovered topology), naming those that have one', async () => {
    const agreements = [
      { host: 'ipa1', peer: 'ipa2', suffix: 'dc=example,dc=com' },
      { host: 'ipa1', peer: 'ipa2', suffix: 'o=ipaca' },
      { host: 'ipa1', peer: 'ipa4', suffix: 'dc=example,dc=com' },
      { host: 'ipa3', peer: 'ipa4', suffix: 'o=ipaca' },
    ];
    const h = scriptedHost('ipa4', () => undefined);
    const ctx = { ...fakeContext({ inv, host: 'ipa4', args: { suffix: 'ca' }, remote: h.remote, secrets: { dm_password: SECRET } }), vars: { parent: 'ipa1', agreements } };
    await expect(ipaReplicaReinit.run(ctx)).rejects.toThrow('ipa1 has no o=ipaca agreement to ipa4, so ipa-csreplica-manage cannot pull from it (the CA topology differs from the domain one); re-initialize it from one that has: ipa3 (from: …)');
    expect(h.execs).toEqual([]);
    // With an agreement, it goes ahead.
    const ok = scriptedHost('ipa2', (c) => (c === IPA_FACTS_COMMAND ? { stdout: facts({ fqdn: 'ipa2.dc1.example.com' }) } : undefined));
    await ipaReplicaReinit.run({ ...fakeContext({ inv, host: 'ipa2', args: { suffix: 'ca' }, remote: ok.remote, secrets: { dm_password: SECRET } }), vars: { parent: 'ipa1', agreements } });
    expect(ok.execs.at(-1)!.command).toBe('ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com');
  });

  it('the CA suffix only from a CA server', async () => {
    const ctx = fakeContext({ inv: { ...inv, hosts: inv.hosts.map((x) => (x.name === 'ipa1' ? { ...x, roles: ['dns'] } : x)) }, host: 'ipa2', args: { from: 'ipa1' } });
    expect(() => ipaReplicaReinit.plan(ctx)).toThrow('the CA suffix of ipa2 must come from a CA host; ipa1 has no ca role');
  });
});
