/** An `assert` over what plan already knows is decided by `plan`, so plan refuses what the run would. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun } from '../../../src/engine/index.ts';
import { writeLabInventory } from '../../../src/profiles/389ds/lab/inventory-file.ts';
import type { LabState } from '../../../src/lab/state.ts';

const playbook = (name: string) => fileURLToPath(new URL(`../../../playbooks/389ds/${name}.yaml`, import.meta.url));
// Roles as the lab gives them: ds1, ds2 and the last host carry the CA; ds3 does not.
const state: LabState = {
  name: 'unit',
  created: '2026-01-01T00:00:00Z',
  subnetOctet: 7,
  controllerAddress: '10.213.7.254',
  hosts: [1, 2, 3, 4].map((i) => ({ name: `ds${i}`, index: i, address: `10.213.7.${i}`, netns: `lifeboat-unit-ds${i}`, veth: `unit-ds${i}` })),
};

let dir = '';
let inventoryFile = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-asserts-'));
  inventoryFile = join(dir, 'inv.yaml');
  await writeLabInventory(inventoryFile, state, 'ring', {}, { instance: 'corp', suffix: 'dc=corp,dc=internal' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const problems = async (pb: string, lost: string) =>
  (await planRun({ playbookFile: playbook(pb), inventoryFile, params: { lost }, stateDir: dir, concurrency: 1 })).problems.filter((p) => p.startsWith('step 1 '));

describe('plan decides assertions it can', () => {
  it('server-loss of a CA host is refused by plan, pointing at ca-replica-rebuild', async () => {
    expect(await problems('server-loss', 'ds1')).toEqual([expect.stringContaining('ds1 is a CA host (it holds o=ipaca): rebuild it with `lifeboat run ca-replica-rebuild -e lost=ds1`')]);
    expect(await problems('server-loss', 'ds3')).toEqual([]);
  });

  it('ca-replica-rebuild of a host without the CA is refused by plan, pointing at server-loss', async () => {
    expect(await problems('ca-replica-rebuild', 'ds3')).toEqual([expect.stringContaining('ds3 has no ca role: use the server-loss playbook')]);
    expect(await problems('ca-replica-rebuild', 'ds1')).toEqual([]);
  });
});
