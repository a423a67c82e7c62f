export type LabTopology = 'mesh' | 'ring' | 'two-dc';
export const TOPOLOGIES: LabTopology[] = ['mesh', 'ring', 'two-dc'];

/** Undirected graph host -> peers (sorted in host order); every edge appears at both ends. */
export function topologyGraph(hosts: string[], kind: LabTopology): Record<string, string[]> {
  const edges = new Set<string>();
  const link = (a: string, b: string) => {
    if (a !== b) edges.add(a < b ? `${a}|${b}` : `${b}|${a}`);
  };
  if (kind === 'mesh') {
    for (const a of hosts) for (const b of hosts) link(a, b);
  } else if (kind === 'ring') {
    hosts.forEach((h, i) => link(h, hosts[(i + 1) % hosts.length]!));
  } else {
    // Seed 002: two data centres, each fully connected inside, joined by two links.
    const half = Math.ceil(hosts.length / 2);
    const a = hosts.slice(0, half);
    const b = hosts.slice(half);
    for (const g of [a, b]) for (const x of g) for (const y of g) link(x, y);
    link(a[0]!, b[0]!);
    link(a[Math.min(1, a.length - 1)]!, b[Math.min(1, b.length - 1)]!);
  }
  const graph: Record<string, string[]> = {};
  for (const h of hosts) graph[h] = [];
  for (const e of edges) {
    const [x, y] = e.split('|') as [string, string];
    graph[x]!.push(y);
    graph[y]!.push(x);
  }
  for (const h of hosts) graph[h]!.sort((p, q) => hosts.indexOf(p) - hosts.indexOf(q));
  return graph;
}
