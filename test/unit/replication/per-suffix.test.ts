import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markReinitDone, parentsFor, waitForParent } from '../../../src/profiles/389ds/actions/replication/reinit-per-suffix.ts';
import { chooseReplicaId } from '../../../src/profiles/389ds/actions/provision/replica-ids.ts';
import { cleanAllRuvRecord } from '../../../src/profiles/389ds/actions/provision/clean-ruv.ts';
import { replicationSetup } from '../../../src/profiles/389ds/actions/provision/replication-setup.ts';
import { replicationDisable } from '../../../src/profiles/389ds/actions/replication/replication-disable.ts';
import { describePlan, reinitPlan } from '../../../src/profiles/389ds/actions/replication/topology-walk.ts';
import { context, labInventory } from './fakes.ts';

const SUFFIX = 'dc=lab,dc=test';
const CA = 'o=ipaca';

describe('per-suffix re-initialization plan', () => {
  const plan = { [SUFFIX]: { ds1: 'ds4', ds3: 'ds4', ds2: 'ds1' }, [CA]: { ds3: 'ds4', ds1: 'ds3' } };

  it('gives each host its parent per suffix and describes the waves', () => {
    expect(parentsFor(plan, 'ds1')).toEqual([
      { suffix: SUFFIX, parent: 'ds4' },
      { suffix: CA, parent: 'ds3' },
    ]);
    expect(parentsFor(plan, 'ds1', ['O=IPACA'])).toEqual([{ suffix: CA, parent: 'ds3' }]);
    expect(describePlan(plan, 'ds4')).toEqual([`${SUFFIX}: wave 1: ds4->ds1 ds4->ds3; wave 2: ds1->ds2`, `${CA}: wave 1: ds4->ds3; wave 2: ds3->ds1`]);
  });

  it('a suffix the master does not hold, or a host it cannot reach, is refused', () => {
    expect(() => reinitPlan({ [CA]: { ds1: ['ds3'], ds3: ['ds1'] } }, 'ds2', [])).toThrow(/o=ipaca is replicated by ds1, ds3 but not by the master ds2/);
    // A non-CA master: the message names the hosts that could be the master instead.
    expect(() => reinitPlan({ [SUFFIX]: { ds1: ['ds2'], ds2: ['ds1', 'ds3'], ds3: ['ds2'] }, [CA]: { ds1: ['ds3'], ds3: ['ds1'] } }, 'ds2', [])).toThrow(
      /not by the master ds2: it cannot be restored from ds2's backup; choose a master that holds every suffix \(-e master=ds1 or ds3\)/,
    );
    // ds2 is reached only through fenced ds3.
    expect(() => reinitPlan({ [SUFFIX]: { ds1: ['ds3'], ds3: ['ds2'], ds2: ['ds3'] } }, 'ds1', ['ds3'])).toThrow(/ds2 cannot be reached from ds1.*not through fenced ds3/);
  });

  it('waits for a non-root parent to have received the suffix (marker in the run directory)', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'lifeboat-ps-'));
    const c = context(labInventory(4), 'ds1', {}, () => ({}), { runDir });
    await waitForParent(c.ctx, plan, 'ds4', SUFFIX, 100); // the root: no wait
    await expect(waitForParent(c.ctx, plan, 'ds3', CA, 600)).rejects.toThrow(/ds3 did not receive o=ipaca/);
    setTimeout(() => void markReinitDone(runDir, 'ds3', CA), 200);
    await waitForParent(c.ctx, plan, 'ds3', CA, 5000);
  });
});

describe('replication.disable', () => {
  it('finding no agreement on a host that has a replica is an error, not "0 disabled"', async () => {
    const d = context(labInventory(2), 'ds1', {}, (c) =>
      c.command.includes('nsds5replicationagreement')
        ? { stdout: '' }
        : { stdout: `dn: cn=replica,cn=dc\\3Dlab,cn=mapping tree,cn=config\nnsDS5ReplicaRoot: ${SUFFIX}\n` },
    );
    await expect(replicationDisable.run(d.ctx)).rejects.toThrow(`ds1: replicates ${SUFFIX} but no agreement was found for ${SUFFIX}`);
    expect(d.calls.some((c) => c.command.startsWith('ldapmodify'))).toBe(false);
  });

  it('a read-only consumer with no agreement has nothing to disable: it cannot replay, so that is no error', async () => {
    // A consumer (nsDS5ReplicaType 2, flags 0) sends nothing: "no agreement" is its normal state.
    const d = context(labInventory(2), 'ds1', {}, (c) =>
      c.command.includes('nsds5replicationagreement')
        ? { stdout: '' }
        : { stdout: `dn: cn=replica,cn=dc\\3Dlab,cn=mapping tree,cn=config\nnsDS5ReplicaRoot: ${SUFFIX}\nnsDS5ReplicaType: 2\nnsDS5Flags: 0\n` },
    );
    const r = await replicationDisable.run(d.ctx);
    expect(r.summary).toBe(`0 agreement(s) disabled (read-only consumer of ${SUFFIX}: it sends nothing)`);
    expect(d.calls.some((c) => c.command.startsWith('ldapmodify'))).toBe(false);
  });
});

describe('replica ids per suffix (replication.setup)', () => {
  const inv = labInventory(3, { ds1: ['ca'], ds2: ['ca'], ds3: ['ca'] });
  /** ds2 and ds3 survive; for o=ipaca ds3 uses id 1 (= ds1's domain id); `ruv` names who they have seen. */
  const survivors = (ruv: string) => (c: { host: string; command: string }) => {
    if (c.command.includes("'cn=mapping tree,cn=config'")) {
      const caId = c.host === 'ds3' ? 1 : 62;
      return { stdout: `dn: cn=replica,cn=o\\3Dipaca,cn=mapping tree,cn=config\nnsDS5ReplicaRoot: ${CA}\nnsDS5ReplicaId: ${caId}\n` };
    }
    if (c.command.includes(`-b '${CA}'`)) return { stdout: `dn: nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff,${CA}\nnsds50ruv: {replicageneration} 5f00\n${ruv}` };
    return { code: 32 };
  };

  it('takes the id the survivors RUVs record for the rebuilt host, not its domain id', async () => {
    const c = context(inv, 'ds1', {}, survivors('nsds50ruv: {replica 7 ldap://ds1.lab.test:389} 5f01 5f02\n'));
    expect(await chooseReplicaId(c.ctx, CA)).toEqual({ suffix: CA, id: 7, source: 'survivors-ruv', stale: [] });
    expect(c.events.map((e) => e.message)).toContain(`ds1: ${CA} gets replica id 7, the one the survivors' RUVs record for it (the inventory says 1)`);
  });

  it('never reuses an id another replica of that suffix uses: a fresh one, unused by replicas, RUVs and inventory hosts', async () => {
    // Inventory ids: ds1 1 (taken by ds3 for o=ipaca), ds2 2, ds3 3; in use: 62 (ds2), 1 (ds3); RUV: 4.
    const c = context(inv, 'ds1', {}, survivors('nsds50ruv: {replica 4 ldap://ds9.lab.test:389} 5f01 5f02\n'));
    expect(await chooseReplicaId(c.ctx, CA)).toEqual({ suffix: CA, id: 5, source: 'fresh', stale: [] });
    expect(c.events.map((e) => e.message)).toContain(`ds1: replica id 1 for ${CA} is already used by ds3; ds1 gets the unused id 5 (a duplicate id stops replication between them)`);
    expect(c.calls.some((x) => x.command.startsWith('ldapmodify'))).toBe(false);
  });

  it('an old id the RUVs still record for the host, used by nobody, is handed to CLEANALLRUV on a survivor', async () => {
    // The RUVs name ds1 under 1 (now ds3's o=ipaca id) and under 9 (left by an older rebuild).
    const c = context(inv, 'ds1', {}, survivors('nsds50ruv: {replica 1 ldap://ds1.lab.test:389} 5f01 5f02\nnsds50ruv: {replica 9 ldap://ds1.lab.test:389} 5f01 5f02\n'));
    const chosen = await chooseReplicaId(c.ctx, CA);
    // 1 is the inventory id and recorded, but ds3 uses it for o=ipaca: fresh id; 9 is stale, 1 is ds3's and is kept.
    expect(chosen).toEqual({ suffix: CA, id: 4, source: 'fresh', stale: [9], cleanOn: 'ds2' });
  });
});

describe('CLEANALLRUV task (stale RUV element of a rebuilt host)', () => {
  it('replication.setup creates the replicas with fresh ids, then adds the task on a survivor, not on the rebuilt host', async () => {
    const inv = labInventory(3, { ds1: ['ca'], ds2: ['ca'], ds3: ['ca'] });
    const c = context(inv, 'ds1', {}, (call) => {
      if (call.command.startsWith('ldapmodify')) return { stdout: '' };
      if (call.host === 'ds1') return { stdout: '' }; // the rebuilt host: nothing yet
      if (call.command.includes("'cn=mapping tree,cn=config'")) {
        return { stdout: `dn: cn=replica,cn=o\\3Dipaca,cn=mapping tree,cn=config\nnsDS5ReplicaRoot: ${CA}\nnsDS5ReplicaId: ${call.host === 'ds3' ? 1 : 62}\n` };
      }
      if (call.command.includes(`-b '${CA}'`)) return { stdout: `dn: nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff,${CA}\nnsds50ruv: {replicageneration} 5f00\nnsds50ruv: {replica 1 ldap://ds1.lab.test:389} 5f01 5f02\nnsds50ruv: {replica 9 ldap://ds1.lab.test:389} 5f01 5f02\n` };
      return { code: 32 };
    });
    const r = await replicationSetup.run(c.ctx);
    expect(r.summary).toMatch(/o=ipaca id 4 \(fresh: the old one is taken\); CLEANALLRUV started for id 9 of o=ipaca on ds2$/);
    const mods = c.calls.filter((x) => x.command.startsWith('ldapmodify'));
    expect(mods.map((m) => m.host)).toEqual(['ds1', 'ds2']);
    expect(mods[0]!.stdin).toContain('nsDS5ReplicaId: 4');
    expect(mods[1]!.stdin).toMatch(/cn=cleanallruv,cn=tasks,cn=config[\s\S]*replica-base-dn: o=ipaca\nreplica-id: 9\n/);
  });

  it('is one task entry per id, not forced (it waits until every replica caught up)', () => {
    // The same LDIF was accepted by 389-ds 2.3.1 on a lab ring and ended "Successfully cleaned rid(77)".
    expect(cleanAllRuvRecord('dc=corp,dc=internal', 77, '20261130000000')).toBe(
      [
        'dn: cn=lifeboat-clean-77-20261130000000,cn=cleanallruv,cn=tasks,cn=config',
        'changetype: add',
        'objectClass: top',
        'objectClass: extensibleObject',
        'cn: lifeboat-clean-77-20261130000000',
        'replica-base-dn: dc=corp,dc=internal',
        'replica-id: 77',
        'replica-force-cleaning: no',
        '',
      ].join('\n'),
    );
  });
});
