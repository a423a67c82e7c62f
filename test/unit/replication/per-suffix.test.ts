import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markReinitDone, parentsFor, waitForParent } from '../../../src/profiles/389ds/actions/replication/reinit-per-suffix.ts';
import { chooseReplicaId } from '../../../src/profiles/389ds/actions/provision/replica-ids.ts';
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
    expect(await chooseReplicaId(c.ctx, CA)).toEqual({ suffix: CA, id: 7, source: 'survivors-ruv' });
    expect(c.events.map((e) => e.message)).toContain(`ds1: ${CA} gets replica id 7, the one the survivors' RUVs record for it (the inventory says 1)`);
  });

  it('refuses an id another replica of that suffix uses, before anything is created', async () => {
    const c = context(inv, 'ds1', {}, survivors(''));
    await expect(chooseReplicaId(c.ctx, CA)).rejects.toThrow(`ds1: replica id 1 for ${CA} is already used by ds3 for that suffix`);
    expect(c.calls.some((x) => x.command.startsWith('ldapmodify'))).toBe(false);
  });
});
