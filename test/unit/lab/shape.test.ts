import { describe, expect, it } from 'vitest';
import { checkInstanceName, checkSuffix, labShape } from '../../../src/profiles/389ds/lab/shape.ts';
import { labInventory } from '../../../src/profiles/389ds/lab/inventory-file.ts';
import type { LabState } from '../../../src/lab/state.ts';
import { Command } from 'commander';
import { registerLabCommands } from '../../../src/cli/lab.ts';

const state: LabState = {
  name: 'unit',
  created: '2026-01-01T00:00:00Z',
  subnetOctet: 7,
  controllerAddress: '10.213.7.254',
  hosts: [1, 2, 3].map((i) => ({ name: `ds${i}`, index: i, address: `10.213.7.${i}`, netns: `lifeboat-unit-ds${i}`, veth: `unit-ds${i}` })),
};

describe('lab shape (--instance, --suffix)', () => {
  it('keeps the historical defaults', () => {
    expect(labShape()).toEqual({ instance: 'lab', suffix: 'dc=lab,dc=test' });
    expect(labInventory(state, 'mesh').vars).toMatchObject({ instance: 'lab', suffixes: ['dc=lab,dc=test'], ca_suffix: 'o=ipaca' });
  });

  it('writes another instance name and suffix into the inventory, CA suffix unchanged', () => {
    const inv = labInventory(state, 'ring', {}, { instance: 'corp', suffix: 'dc=corp, dc=internal' });
    expect(inv.vars).toMatchObject({ instance: 'corp', suffixes: ['dc=corp,dc=internal'], ca_suffix: 'o=ipaca', topology_kind: 'ring' });
  });

  it('refuses names and DNs the servers or paths could not take, naming the value', () => {
    expect(checkInstanceName('corp-2')).toBe('corp-2');
    expect(() => checkInstanceName('slapd corp')).toThrow(/instance name "slapd corp" must start with a letter/);
    expect(() => checkInstanceName('../x')).toThrow(/instance name/);
    expect(() => checkInstanceName('')).toThrow(/instance name/);
    expect(checkSuffix('o=example')).toBe('o=example');
    expect(() => checkSuffix('corp.internal')).toThrow(/suffix "corp.internal" is not a DN like dc=corp,dc=internal/);
    expect(() => checkSuffix('dc=corp,,dc=x')).toThrow(/bad part ""/);
    expect(() => checkSuffix('O=IPACA')).toThrow(/is the CA suffix/);
  });

  it('lab up parses --instance and --suffix, and refuses bad ones before anything starts', async () => {
    const program = new Command().exitOverride();
    registerLabCommands(program);
    const up = program.commands.find((c) => c.name() === 'lab')!.commands.find((c) => c.name() === 'up')!;
    expect(up.opts()).toMatchObject({ instance: 'lab', suffix: 'dc=lab,dc=test' });
    await expect(program.parseAsync(['node', 'lifeboat', 'lab', 'up', '--name', 'zz', '--instance', 'bad name'])).rejects.toThrow(/instance name "bad name"/);
    expect(up.opts()).toMatchObject({ instance: 'bad name', suffix: 'dc=lab,dc=test' });
    await expect(program.parseAsync(['node', 'lifeboat', 'lab', 'up', '--name', 'zz', '--instance', 'corp', '--suffix', 'corp'])).rejects.toThrow(/suffix "corp" is not a DN/);
    expect(up.opts()).toMatchObject({ instance: 'corp', suffix: 'corp' });
    // --topology offers the 389ds lab's topologies (declared in its info, so help loads no lab code).
    up.configureOutput({ writeErr: () => undefined });
    await expect(program.parseAsync(['node', 'lifeboat', 'lab', 'up', '--name', 'zz', '--topology', 'star'])).rejects.toThrow(/Allowed choices are mesh, ring, two-dc/);
  });
});
