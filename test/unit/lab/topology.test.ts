import { describe, expect, it } from 'vitest';
import { topologyGraph } from '../../../src/profiles/389ds/lab/topology.ts';

const hosts = ['ds1', 'ds2', 'ds3', 'ds4'];
const edges = (g: Record<string, string[]>) => Object.values(g).reduce((n, p) => n + p.length, 0) / 2;

describe('lab topologies', () => {
  it('mesh connects every pair', () => {
    const g = topologyGraph(hosts, 'mesh');
    expect(g.ds1).toEqual(['ds2', 'ds3', 'ds4']);
    expect(edges(g)).toBe(6);
  });

  it('ring connects each host to its two neighbours', () => {
    const g = topologyGraph(hosts, 'ring');
    expect(g.ds1).toEqual(['ds2', 'ds4']);
    expect(g.ds3).toEqual(['ds2', 'ds4']);
    expect(edges(g)).toBe(4);
  });

  it('two-dc: two fully connected groups joined by two links (seed 002)', () => {
    const g = topologyGraph(['ds1', 'ds2', 'ds3', 'ds4', 'ds5', 'ds6'], 'two-dc');
    expect(g.ds1).toEqual(['ds2', 'ds3', 'ds4']); // dc1 = ds1..ds3, link ds1-ds4
    expect(g.ds2).toEqual(['ds1', 'ds3', 'ds5']); // link ds2-ds5
    expect(g.ds6).toEqual(['ds4', 'ds5']);
    expect(edges(g)).toBe(3 + 3 + 2);
  });

  it('every edge appears at both ends', () => {
    for (const kind of ['mesh', 'ring', 'two-dc'] as const) {
      const g = topologyGraph(hosts, kind);
      for (const [h, peers] of Object.entries(g)) for (const p of peers) expect(g[p], `${kind} ${h}-${p}`).toContain(h);
    }
  });
});
