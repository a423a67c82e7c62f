import { describe, expect, it } from 'vitest';
import { topologyWaves } from '../../../src/playbook/index.ts';

const mesh = { ds1: ['ds2', 'ds3', 'ds4'], ds2: ['ds1', 'ds3', 'ds4'], ds3: ['ds1', 'ds2', 'ds4'], ds4: ['ds1', 'ds2', 'ds3'] };
// Two data centres joined by one link ds2 <-> ds3.
const twoDc = { ds1: ['ds2'], ds2: ['ds1', 'ds3'], ds3: ['ds2', 'ds4'], ds4: ['ds3'] };

describe('topologyWaves', () => {
  it('puts every peer of the root in the first wave of a mesh', () => {
    expect(topologyWaves(mesh, 'ds2', ['ds1', 'ds3', 'ds4'])).toEqual([
      { host: 'ds1', parent: 'ds2', depth: 1 },
      { host: 'ds3', parent: 'ds2', depth: 1 },
      { host: 'ds4', parent: 'ds2', depth: 1 },
    ]);
  });

  it('walks a chain breadth-first, each host after its parent, root listed when selected', () => {
    expect(topologyWaves(twoDc, 'ds1', ['ds1', 'ds2', 'ds3', 'ds4'])).toEqual([
      { host: 'ds1', parent: null, depth: 0 },
      { host: 'ds2', parent: 'ds1', depth: 1 },
      { host: 'ds3', parent: 'ds2', depth: 2 },
      { host: 'ds4', parent: 'ds3', depth: 3 },
    ]);
  });

  it('orders neighbours by the hosts list, not by how the graph lists them', () => {
    const shuffled = { ds2: ['ds4', 'ds1', 'ds3'], ds1: [], ds3: [], ds4: [] };
    expect(topologyWaves(shuffled, 'ds2', ['ds1', 'ds3', 'ds4']).map((w) => w.host)).toEqual(['ds1', 'ds3', 'ds4']);
  });

  it('does not pass through hosts left out of the step', () => {
    expect(() => topologyWaves(twoDc, 'ds1', ['ds2', 'ds4'])).toThrow(
      'topology: ds4 cannot be reached from ds1 through replication agreements among the selected hosts',
    );
  });

  it('names every unreachable host, and an unknown root', () => {
    expect(() => topologyWaves({ a: ['b'], b: [], c: [], d: [] }, 'a', ['b', 'c', 'd'])).toThrow('topology: c, d cannot be reached from a');
    // A host no agreement touches: the likely stale-inventory case is named with what to do.
    expect(() => topologyWaves({ a: ['b'], b: ['a'], c: ['d'], d: ['c'], e: [] }, 'a', ['b', 'c', 'd', 'e'])).toThrow(
      /c, d, e cannot be reached from a .*; e has no agreement at all: if it no longer exists, remove it from the inventory/,
    );
    expect(() => topologyWaves(mesh, 'ds9', ['ds1'])).toThrow('topology: root host "ds9" is not in the replication topology');
  });
});
