import { InputError } from '../util/errors.ts';

export interface Wave {
  host: string;
  /** The host it follows (e.g. is re-initialized from); null for the root. */
  parent: string | null;
  depth: number;
}

/**
 * Orders `hosts` breadth-first from `root` along `graph` (host -> hosts it replicates to), so
 * each host comes after its parent. Only `hosts` (and the root) are walked through: a host left
 * out of the step cannot pass data on. Neighbours are taken in the order of `hosts`, so the
 * result does not depend on how the graph was built. The root is listed only if it is in `hosts`.
 */
export function topologyWaves(graph: Record<string, string[]>, root: string, hosts: string[]): Wave[] {
  if (!Object.prototype.hasOwnProperty.call(graph, root) && !Object.values(graph).some((peers) => peers.includes(root))) {
    throw new InputError(`topology: root host "${root}" is not in the replication topology`);
  }
  const wanted = new Set(hosts);
  const rank = new Map(hosts.map((h, i) => [h, i]));
  const seen = new Map<string, Wave>([[root, { host: root, parent: null, depth: 0 }]]);
  const queue = [root];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const depth = seen.get(current)!.depth;
    const next = (graph[current] ?? []).filter((h) => wanted.has(h) && !seen.has(h));
    next.sort((a, b) => rank.get(a)! - rank.get(b)!);
    for (const h of new Set(next)) {
      seen.set(h, { host: h, parent: current, depth: depth + 1 });
      queue.push(h);
    }
  }
  const unreachable = hosts.filter((h) => !seen.has(h));
  if (unreachable.length > 0) {
    // A host no agreement touches is most often one that no longer exists (a stale inventory).
    const linked = (h: string) => (graph[h] ?? []).length > 0 || Object.values(graph).some((peers) => peers.includes(h));
    const isolated = unreachable.filter((h) => !linked(h));
    const hint = isolated.length ? `; ${isolated.join(', ')} ${isolated.length === 1 ? 'has' : 'have'} no agreement at all: if it no longer exists, remove it from the inventory; if it still runs but was taken out of the replication, leave it out of the run (--limit 'all:!${isolated.join(':!')}')` : '';
    throw new InputError(
      `topology: ${unreachable.join(', ')} cannot be reached from ${root} through replication agreements among the selected hosts${hint}`,
    );
  }
  const order = [...seen.values()].filter((w) => wanted.has(w.host));
  return order;
}
