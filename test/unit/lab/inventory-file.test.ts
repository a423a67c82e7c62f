import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { writeLabInventory } from '../../../src/profiles/389ds/lab/inventory-file.ts';
import type { LabState } from '../../../src/lab/state.ts';

const state: LabState = {
  name: 'unit',
  created: '2026-01-01T00:00:00Z',
  subnetOctet: 7,
  controllerAddress: '10.213.7.254',
  hosts: [1, 2, 3, 4].map((i) => ({ name: `ds${i}`, index: i, address: `10.213.7.${i}`, netns: `lifeboat-unit-ds${i}`, veth: `unit-ds${i}` })),
};

describe('lab inventory', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a valid Lifeboat inventory with roles, replica ids, topology and file secrets', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-inv-'));
    const file = join(dir, 'lab.yaml');
    await writeLabInventory(file, state, 'ring');
    const inv = await loadInventory(file);
    expect(inv.hosts.map((h) => [h.name, h.address, h.roles, h.vars.replica_id])).toEqual([
      ['ds1', '10.213.7.1', ['ca'], 1],
      ['ds2', '10.213.7.2', ['ca'], 2],
      ['ds3', '10.213.7.3', [], 3],
      ['ds4', '10.213.7.4', ['ca', 'hidden'], 4],
    ]);
    expect(inv.vars).toMatchObject({ instance: 'lab', suffixes: ['dc=lab,dc=test'], ca_suffix: 'o=ipaca' });
    expect(inv.vars.topology).toEqual({ ds1: ['ds2', 'ds4'], ds2: ['ds1', 'ds3'], ds3: ['ds2', 'ds4'], ds4: ['ds1', 'ds3'] });
    expect(inv.secrets.dm_password).toEqual({ file: '/var/lib/lifeboat-lab/unit/secrets/dm_password' });
    const ssh = inv.hosts[0]!.ssh;
    expect(ssh).toMatchObject({ user: 'root', hostKeyPolicy: 'strict', useAgent: false, knownHosts: '/var/lib/lifeboat-lab/unit/known_hosts' });
  });
});
