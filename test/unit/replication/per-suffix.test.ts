import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markReinitDone, parentsFor, waitForParent } from '../../../src/actions/389ds/replication/reinit-per-suffix.ts';
import { replicationDisable } from '../../../src/actions/389ds/replication/replication-disable.ts';
import { describePlan, reinitPlan } from '../../../src/actions/389ds/replication/topology-walk.ts';
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
