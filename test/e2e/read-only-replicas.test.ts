import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labKill, labRevive } from '../../src/lab/index.ts';
import { cleanAllRuvRecord } from '../../src/profiles/389ds/actions/provision/clean-ruv.ts';
import { RUV_FILTER } from '../../src/profiles/389ds/actions/verify/ruv.ts';
import { attr, ldapModify, ldapSearch } from '../../src/profiles/389ds/actions/ldap.ts';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { startRun } from '../../src/engine/index.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * A shape the lab does not build, made by hand as an administrator would: ds3 a read-only consumer
 * of the domain suffix (nsDS5ReplicaType 2, flags 0, id 65535, no agreements of its own) fed by
 * fractional agreements that leave `mail` out. Only real servers show the two things proven here:
 * a write on a consumer is a referral (the proof used to fail on it), and a fractional consumer's
 * entries differ by design (the proof used to call it diverged).
 */

const skip = labSkipReason();
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));
const INSTANCE = 'lab';
const SUFFIX = 'dc=lab,dc=test';
const LATE = `uid=late,ou=people,${SUFFIX}`;
const REPLICA = `cn=replica,cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config`;
const FRACTIONAL = '(objectclass=*) $ EXCLUDE mail';

let lab: LabFixture;
let s: LabSession;
let stateDir: string;
let backup: string;

async function has(host: string, dn: string): Promise<boolean> {
  return (await ldapSearch(await s.connect(host), INSTANCE, dn, 'base', '(objectClass=*)', ['1.1']).catch(() => [])).length > 0;
}

describe.skipIf(!!skip)('read-only and fractional replicas: ds3 a consumer of the domain suffix, without mail', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-rocons-'));
    // A fresh lab: this file changes its shape, so it is never reused as a plain lab.
    lab = await withLab({ name: e2eLabName('rocons'), hosts: 3, entries: 30, fresh: true });
    s = await openSession(lab.name, lab.inventoryFile);
    const ds3 = await s.connect('ds3');
    for (const a of await listAgreements(ds3, s.inventory, 'ds3', INSTANCE, [SUFFIX])) await ldapModify(ds3, INSTANCE, `dn: ${a.dn}\nchangetype: delete\n`);
    await ldapModify(ds3, INSTANCE, `dn: ${REPLICA}\nchangetype: modify\nreplace: nsDS5ReplicaType\nnsDS5ReplicaType: 2\n-\nreplace: nsDS5Flags\nnsDS5Flags: 0\n-\nreplace: nsDS5ReplicaId\nnsDS5ReplicaId: 65535\n`);
    for (const h of ['ds1', 'ds2']) {
      const to3 = (await listAgreements(await s.connect(h), s.inventory, h, INSTANCE, [SUFFIX])).find((a) => a.peer === 'ds3')!;
      await ldapModify(await s.connect(h), INSTANCE, `dn: ${to3.dn}\nchangetype: modify\nreplace: nsDS5ReplicatedAttributeList\nnsDS5ReplicatedAttributeList: ${FRACTIONAL}\n`);
    }
    backup = (await takeBackup({ inventoryFile: s.inventoryFile, host: 'ds1', dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
  });

  afterAll(async () => {
    await s?.close().catch(() => undefined);
    await lab?.down().catch(() => undefined);
  });

  it('data-loss restores through the consumer: not written on, its entries without mail, the fractional agreements kept', async () => {
    await ldapModify(await s.connect('ds2'), INSTANCE, `dn: ${LATE}\nchangetype: add\nobjectClass: account\nuid: late\n`);
    const out = await startRun({
      playbookFile: join(PLAYBOOKS, 'data-loss.yaml'),
      inventoryFile: s.inventoryFile,
      params: { master: 'ds1', backup },
      yes: true,
      concurrency: 10,
      stateDir,
      onEvent: () => undefined,
    });
    expect(out.status, out.failed?.error).toBe('done');
    const journal = readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain(`read-only: ds3 consumer of ${SUFFIX}`);
    expect(journal).toContain(`read-only, not written on: ds3 (${SUFFIX})`);
    for (const h of s.hosts) expect(await has(h, LATE), h).toBe(false);
    // The total update followed the fractional list: ds3 has the entries, not their mail.
    const [user3] = await ldapSearch(await s.connect('ds3'), INSTANCE, `ou=people,${SUFFIX}`, 'one', '(uid=user00001)', ['mail', 'uid']);
    const [user1] = await ldapSearch(await s.connect('ds1'), INSTANCE, `ou=people,${SUFFIX}`, 'one', '(uid=user00001)', ['mail', 'uid']);
    expect(attr(user3, 'uid')).toBe('user00001');
    expect(attr(user3, 'mail')).toBeUndefined();
    expect(attr(user1, 'mail')).toBeDefined();
    for (const h of ['ds1', 'ds2']) {
      const to3 = (await ldapSearch(await s.connect(h), INSTANCE, 'cn=mapping tree,cn=config', 'sub', `(&(objectClass=nsds5replicationagreement)(nsDS5ReplicaHost=ds3*))`, ['nsDS5ReplicatedAttributeList', 'nsds5ReplicaEnabled', 'nsDS5ReplicaRoot'])).filter((e) => attr(e, 'nsDS5ReplicaRoot') === SUFFIX);
      expect(to3.map((e) => [attr(e, 'nsDS5ReplicatedAttributeList'), attr(e, 'nsds5ReplicaEnabled') ?? 'on']), h).toEqual([[FRACTIONAL, 'on']]);
    }
  });
  it('ds3 lost (a consumer of the domain suffix, a supplier of o=ipaca): refused until host var replica_role says what it was, then rebuilt as it was, per suffix', async () => {
    // As the administrator who demoted ds3 does: its old supplier id (3) cleaned from every RUV.
    // (forced: ds3's own, now read-only, RUV still names id 3, and the task would wait on it.)
    await ldapModify(await s.connect('ds1'), INSTANCE, cleanAllRuvRecord(SUFFIX, 3, 'demoted').replace('replica-force-cleaning: no', 'replica-force-cleaning: yes'));
    const cleanBy = Date.now() + 120_000;
    const ruvNames3 = async (h: string) => (await ldapSearch(await s.connect(h), INSTANCE, SUFFIX, 'sub', RUV_FILTER, ['nsds50ruv']))[0]?.attrs['nsds50ruv']?.some((v) => v.startsWith('{replica 3 ')) ?? false;
    while (((await ruvNames3('ds1')) || (await ruvNames3('ds2'))) && Date.now() < cleanBy) await new Promise((r) => setTimeout(r, 500));
    expect([await ruvNames3('ds1'), await ruvNames3('ds2')]).toEqual([false, false]);
    await labKill(s.lab, 'ds3');
    await labRevive(s.lab, 'ds3');
    await s.reset();
    // ds3 holds o=ipaca too (a CA host of this lab): ca-replica-rebuild rebuilds both suffixes.
    const serverLoss = (inventoryFile: string) =>
      startRun({ playbookFile: join(PLAYBOOKS, 'ca-replica-rebuild.yaml'), inventoryFile, params: { lost: 'ds3' }, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
    // No survivor's RUV names a consumer: Lifeboat does not guess, and stops before creating anything
    // (o=ipaca's RUVs do name ds3: a supplier there).
    const refused = await serverLoss(s.inventoryFile);
    expect(refused.status).toBe('failed');
    expect(refused.failed?.error).toContain("no survivor's RUV records ds3");
    expect(refused.failed?.error).toContain('replica_role: consumer (or supplier) for ds3');
    expect((await (await lab.remote('ds3')).exec('test -e /etc/dirsrv/slapd-lab; echo $?')).stdout.trim()).toBe('1');

    const inv = parse(readFileSync(s.inventoryFile, 'utf8'));
    inv.hosts.ds3.vars.replica_role = { [SUFFIX]: 'consumer' };
    const said = join(stateDir, 'consumer-said.yaml');
    writeFileSync(said, stringify(inv));
    const out = await serverLoss(said);
    expect(out.status, out.failed?.error).toBe('done');
    expect(readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8')).toContain(`read-only consumer of ${SUFFIX}`);
    const ds3 = await s.connect('ds3');
    const [replica] = await ldapSearch(ds3, INSTANCE, REPLICA, 'base', '(objectClass=nsds5replica)', ['nsDS5ReplicaType', 'nsDS5Flags', 'nsDS5ReplicaId']);
    expect([attr(replica!, 'nsDS5ReplicaType'), attr(replica!, 'nsDS5Flags'), attr(replica!, 'nsDS5ReplicaId')]).toEqual(['2', '0', '65535']);
    expect(await listAgreements(ds3, s.inventory, 'ds3', INSTANCE, [SUFFIX])).toEqual([]);
    const [ca] = await ldapSearch(ds3, INSTANCE, 'cn=replica,cn=o\\3Dipaca,cn=mapping tree,cn=config', 'base', '(objectClass=nsds5replica)', ['nsDS5ReplicaType']);
    expect(attr(ca!, 'nsDS5ReplicaType')).toBe('3');
    expect((await listAgreements(ds3, s.inventory, 'ds3', INSTANCE, ['o=ipaca'])).length).toBeGreaterThan(0);
    // Fed by the survivors' fractional agreements, kept as they were: the entries, not their mail.
    const [user3] = await ldapSearch(ds3, INSTANCE, `ou=people,${SUFFIX}`, 'one', '(uid=user00001)', ['mail', 'uid']);
    expect([attr(user3!, 'uid'), attr(user3!, 'mail')]).toEqual(['user00001', undefined]);
    // A write on a supplier reaches it; a write on it is still a referral.
    const fresh = `uid=after-rebuild,ou=people,${SUFFIX}`;
    await ldapModify(await s.connect('ds1'), INSTANCE, `dn: ${fresh}\nchangetype: add\nobjectClass: account\nuid: after-rebuild\n`);
    const until = Date.now() + 20_000;
    while (!(await has('ds3', fresh)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await has('ds3', fresh)).toBe(true);
    await expect(ldapModify(ds3, INSTANCE, `dn: uid=on-consumer,ou=people,${SUFFIX}\nchangetype: add\nobjectClass: account\nuid: on-consumer\n`)).rejects.toThrow(/Referral|exit 10/);
    await ldapModify(await s.connect('ds1'), INSTANCE, `dn: ${fresh}\nchangetype: delete\n`);
  });
});
