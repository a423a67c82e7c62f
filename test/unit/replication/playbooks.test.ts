import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { allActions } from '../../../src/actions/registry.ts';
import { loadProfiles } from '../../../src/profiles/registry.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { loadPlaybook } from '../../../src/playbook/index.ts';
import { validatePlaybook } from '../../../src/engine/validate-playbook.ts';

// The registry's lookups need the profiles' code loaded (the run loader does this for a run).
beforeAll(loadProfiles);

const PLAYBOOKS = fileURLToPath(new URL('../../../playbooks/389ds/', import.meta.url));

const INVENTORY = `cluster: lab
profile: 389ds
ssh: { user: root }
vars:
  instance: lab
  suffixes: ["dc=lab,dc=test"]
  ca_suffix: o=ipaca
  topology: { ds1: [ds2, ds3, ds4], ds2: [ds1, ds3, ds4], ds3: [ds1, ds2, ds4], ds4: [ds1, ds2, ds3] }
secrets:
  dm_password: { env: LIFEBOAT_TEST_DM }
hosts:
  ds1: { address: 10.0.0.1, roles: [ca], vars: { replica_id: 1 } }
  ds2: { address: 10.0.0.2, roles: [ca], vars: { replica_id: 2 } }
  ds3: { address: 10.0.0.3, vars: { replica_id: 3 } }
  ds4: { address: 10.0.0.4, roles: [hidden], vars: { replica_id: 4 } }
`;

describe('recovery playbooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-pb-'));
  const invFile = join(dir, 'lab.yaml');
  writeFileSync(invFile, INVENTORY);

  it.each([
    ['data-loss', { master: 'ds2', backup: '/backups/x', fence: 'true', stopped: 'ds4' }],
    ['server-loss', { lost: 'ds3' }],
    ['ca-replica-rebuild', { lost: 'ds1', from: 'ds2' }],
    ['rejoin', { target: 'ds4' }],
  ])('%s validates against a 4-host inventory', async (name, params) => {
    const pb = await loadPlaybook(join(PLAYBOOKS, `${name}.yaml`));
    const inv = await loadInventory(invFile);
    expect(() => validatePlaybook(pb, inv, params, allActions())).not.toThrow();
  });

  it('data-loss takes the force its restore refusals name ("force: true overrides"), for the check and the restore alike', async () => {
    const pb = await loadPlaybook(join(PLAYBOOKS, 'data-loss.yaml'));
    expect(pb.params.force).toMatchObject({ default: false });
    for (const s of pb.steps.filter((x) => x.do === 'backup.check' || x.do === 'backup.restore')) expect(s.with?.force, s.name).toBe('{{ force }}');
  });

  it('data-loss disables before it restores, restores before it re-initializes, and re-enables last', async () => {
    const pb = await loadPlaybook(join(PLAYBOOKS, 'data-loss.yaml'));
    const order = pb.steps.map((s) => s.do);
    const at = (a: string) => order.indexOf(a);
    expect(at('replication.fence')).toBe(0);
    expect(at('replication.disable')).toBeLessThan(at('backup.restore'));
    expect(at('backup.restore')).toBeLessThan(at('replication.reinit'));
    expect(order.lastIndexOf('replication.enable')).toBeGreaterThan(at('replication.reinit'));
    expect(order.at(-1)).toBe('verify.converged');
    const reinit = pb.steps[at('replication.reinit')]!;
    expect(reinit).toMatchObject({ order: 'topology', from: '{{ master }}', on: 'all:!{{ master }}' });
    expect(pb.steps[at('replication.disable')]!.when).toBe('not skip_disable');
    // The data-loss question is asked once, before step 1, not after the agreements went off.
    expect(pb.confirm).toMatch(/Every change made after the backup is lost/);
    expect(pb.steps.filter((s) => s.confirm)).toEqual([]);
  });

  it('a missing param is reported with its place in the playbook', async () => {
    const pb = await loadPlaybook(join(PLAYBOOKS, 'server-loss.yaml'));
    const inv = await loadInventory(invFile);
    expect(() => validatePlaybook(pb, inv, {}, allActions())).toThrow(/server-loss.yaml:\d+:\d+: missing required param "lost"/);
  });
});
