import { describe, expect, it } from 'vitest';
import { articulationPoints, components, undirected } from '../../src/dr/graph.ts';
import { topologyGraph } from '../../src/profiles/389ds/lab/topology.ts';

const fromAdjacency = (adj: Record<string, string[]>) =>
  undirected(Object.keys(adj), Object.entries(adj).flatMap(([from, peers]) => peers.map((to) => ({ from, to }))));

describe('replication graph analysis', () => {
  it('a mesh, a ring and the two-data-centre layout have no articulation point', () => {
    const hosts = ['ds1', 'ds2', 'ds3', 'ds4', 'ds5', 'ds6'];
    for (const kind of ['mesh', 'ring', 'two-dc'] as const) {
      const g = fromAdjacency(topologyGraph(hosts, kind));
      expect(articulationPoints(g), kind).toEqual([]);
      expect(components(g), kind).toHaveLength(1);
    }
  });

  it('names the host joining two rings, and every inner host of a chain', () => {
    // Two triangles sharing ds3: losing ds3 splits {ds1,ds2} from {ds4,ds5}.
    const bowtie = undirected(['ds1', 'ds2', 'ds3', 'ds4', 'ds5'], [
      { from: 'ds1', to: 'ds2' }, { from: 'ds2', to: 'ds3' }, { from: 'ds3', to: 'ds1' },
      { from: 'ds3', to: 'ds4' }, { from: 'ds4', to: 'ds5' }, { from: 'ds5', to: 'ds3' },
    ]);
    expect(articulationPoints(bowtie)).toEqual(['ds3']);
    const chain = undirected(['a', 'b', 'c', 'd'], [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'd' }]);
    expect(articulationPoints(chain)).toEqual(['b', 'c']);
    // A ring with a pendant host: the host holding the pendant is the one cut point.
    const pendant = undirected(['r1', 'r2', 'r3', 'p'], [{ from: 'r1', to: 'r2' }, { from: 'r2', to: 'r3' }, { from: 'r3', to: 'r1' }, { from: 'r2', to: 'p' }]);
    expect(articulationPoints(pendant)).toEqual(['r2']);
  });

  it('counts a one-way agreement as a link and finds the parts of a split graph', () => {
    const g = undirected(['a', 'b', 'c', 'd'], [{ from: 'a', to: 'b' }, { from: 'c', to: 'd' }]);
    expect(components(g)).toEqual([['a', 'b'], ['c', 'd']]);
    expect(articulationPoints(g)).toEqual([]);
  });

  it('copes with a long chain without overflowing the stack', () => {
    const hosts = Array.from({ length: 20_000 }, (_, i) => `h${i}`);
    const g = undirected(hosts, hosts.slice(1).map((h, i) => ({ from: hosts[i]!, to: h })));
    expect(articulationPoints(g)).toHaveLength(19_998);
  });
});
