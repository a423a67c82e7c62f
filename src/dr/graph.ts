/**
 * The replication graph as an undirected graph (an agreement either way links two hosts): what
 * matters for readiness is whether changes can still reach every replica when one is lost.
 */

export type UndirectedGraph = Map<string, Set<string>>;

export function undirected(hosts: string[], links: { from: string; to: string }[]): UndirectedGraph {
  const g: UndirectedGraph = new Map(hosts.map((h) => [h, new Set<string>()]));
  for (const { from, to } of links) {
    if (from === to) continue;
    if (!g.has(from)) g.set(from, new Set());
    if (!g.has(to)) g.set(to, new Set());
    g.get(from)!.add(to);
    g.get(to)!.add(from);
  }
  return g;
}

/** Connected components, each sorted, in the order of their first host. */
export function components(g: UndirectedGraph): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const start of g.keys()) {
    if (seen.has(start)) continue;
    const comp: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const h = stack.pop()!;
      comp.push(h);
      for (const p of g.get(h) ?? []) if (!seen.has(p)) (seen.add(p), stack.push(p));
    }
    out.push(comp.sort());
  }
  return out;
}

/**
 * Hosts whose loss splits the graph (Tarjan's low-link, iterative so a large site cannot overflow
 * the stack), sorted.
 */
export function articulationPoints(g: UndirectedGraph): string[] {
  const disc = new Map<string, number>();
  const low = new Map<string, number>();
  const cut = new Set<string>();
  let time = 0;
  for (const root of g.keys()) {
    if (disc.has(root)) continue;
    let rootChildren = 0;
    disc.set(root, time);
    low.set(root, time++);
    const stack: { node: string; parent?: string; peers: Iterator<string> }[] = [{ node: root, peers: (g.get(root) ?? new Set()).values() }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = top.peers.next();
      if (!next.done) {
        const p = next.value;
        if (p === top.parent) continue;
        if (disc.has(p)) low.set(top.node, Math.min(low.get(top.node)!, disc.get(p)!));
        else {
          disc.set(p, time);
          low.set(p, time++);
          if (top.node === root) rootChildren++;
          stack.push({ node: p, parent: top.node, peers: (g.get(p) ?? new Set()).values() });
        }
        continue;
      }
      stack.pop();
      const parent = top.parent;
      if (parent === undefined) continue;
      low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      if (parent !== root && low.get(top.node)! >= disc.get(parent)!) cut.add(parent);
    }
    if (rootChildren > 1) cut.add(root);
  }
  return [...cut].sort();
}
