import { topologyWaves } from '../../../../playbook/topology.ts';
import { normalizeDn, type Agreement } from './agreements.ts';
import { isReadOnly, type ReplicaRole } from './replica-role.ts';

/**
 * What the servers say the topology is, per suffix, and what that means for a restore: which
 * suppliers the run does not cover, and from which parent each host gets each suffix. Pure: the
 * reading is done by topology.discover; everything here is unit-tested.
 */

export type Graph = Record<string, string[]>;

export interface ReplicaEntry {
  suffix: string;
  id: number;
  /** From nsDS5ReplicaType / nsDS5Flags; undefined (older reads) counts as a supplier. */
  role?: ReplicaRole;
}

/** One host as read from its own server. */
export interface HostRead {
  host: string;
  replicas: ReplicaEntry[];
  agreements: Agreement[];
  /** Suppliers the host's RUVs name (replica id -> `host:port` of its URL), per suffix. */
  ruvSuppliers: Record<string, Record<string, string>>;
}

/** A supplier the servers know about that the run would not touch. */
export interface Outsider {
  /** Inventory host name, or the address the servers use when no inventory host matches. */
  peer: string;
  inInventory: boolean;
  /** How it was seen: `agreement <name> on <host> (<suffix>)` or `RUV of <suffix> on <host> (replica id N)`. */
  seenAs: string;
  /** Named by RUV elements only, no agreement anywhere: a replica id left over (e.g. a decommissioned host). */
  ruvOnly?: { suffix: string; id: string };
}

/** Agreements (and RUV elements) leading to a supplier that is neither in the run nor fenced. */
export function findOutsiders(reads: HostRead[], runHosts: string[], fenced: string[], nameOf: (address: string) => string | undefined): Outsider[] {
  const inside = new Set([...runHosts, ...fenced]);
  const found = new Map<string, Outsider>();
  const note = (peer: string, inInventory: boolean, seenAs: string) => {
    if (!found.has(peer)) found.set(peer, { peer, inInventory, seenAs });
  };
  for (const r of reads) {
    for (const a of r.agreements) {
      if (a.peer && inside.has(a.peer)) continue;
      note(a.peer ?? a.peerAddress, a.peer !== undefined, `agreement ${a.name} on ${r.host} (${a.suffix})`);
    }
    for (const [suffix, byId] of Object.entries(r.ruvSuppliers)) {
      for (const [id, hostPort] of Object.entries(byId)) {
        const address = hostPort.replace(/:\d+$/, '');
        const name = nameOf(address);
        if (name && inside.has(name)) continue;
        note(name ?? address, name !== undefined, `the RUV of ${suffix} on ${r.host} (replica id ${id}, ${hostPort})`);
      }
    }
  }
  // No agreement anywhere names it: only a RUV element is left of it.
  const linked = new Set(reads.flatMap((r) => r.agreements.map((a) => a.peer ?? a.peerAddress)));
  for (const o of found.values()) {
    const m = /^the RUV of (.+) on \S+ \(replica id (\d+),/.exec(o.seenAs);
    if (m && !linked.has(o.peer)) o.ruvOnly = { suffix: m[1]!, id: m[2]! };
  }
  return [...found.values()];
}

export function outsiderMessage(o: Outsider): string {
  const what = o.inInventory ? `${o.peer} is a supplier of this topology but is not in this run (excluded by --limit)` : `${o.peer} is a supplier of this topology but is no inventory host`;
  const fix = o.inInventory
    ? `run without --limit so ${o.peer} is included, or, if it is powered off or cut off for good, fence it: -e fence=true -e stopped=${o.peer}`
    : `add ${o.peer} to the inventory (then it is disabled and re-initialized like the others), or, if it is powered off or cut off for good, add it and fence it: -e fence=true -e stopped=<its name>`;
  // Seen on an 8-host lab: ds4 decommissioned (agreements deleted, CLEANALLRUV), then a restore from
  // a backup older than the cleaning brought its RUV element back, and the next run refused it.
  const leftover = o.ruvOnly
    ? `. No agreement names it: if ${o.peer} was decommissioned, this is its RUV element left over (a restore from a backup older than its CLEANALLRUV brings it back): clean replica id ${o.ruvOnly.id} of ${o.ruvOnly.suffix} (a CLEANALLRUV task on one supplier) and run again`
    : '';
  return `${what}: seen in ${o.seenAs}. Left alone it would replay every change made after the backup into the restored hosts. To do: ${fix}${leftover}`;
}

/** Suffixes per host: what the servers hold (replica entries), by normalized DN -> DN as written. */
export function serverSuffixes(reads: HostRead[]): Record<string, string[]> {
  return Object.fromEntries(reads.map((r) => [r.host, r.replicas.map((x) => x.suffix)]));
}

/** Hosts whose inventory suffixes differ from the replicas their servers hold; one line each. */
export function suffixMismatches(reads: HostRead[], inventorySuffixes: (host: string) => string[]): string[] {
  const lines: string[] = [];
  for (const r of reads) {
    const want = inventorySuffixes(r.host);
    if (want.length === 0) continue;
    const have = r.replicas.map((x) => normalizeDn(x.suffix));
    const missing = want.filter((s) => !have.includes(normalizeDn(s)));
    const extra = r.replicas.filter((x) => !want.some((s) => normalizeDn(s) === normalizeDn(x.suffix))).map((x) => x.suffix);
    if (missing.length) lines.push(`${r.host}: the inventory says it holds ${missing.join(', ')} but its server has no replica of it`);
    if (extra.length) lines.push(`${r.host}: its server replicates ${extra.join(', ')}, which the inventory does not list for it`);
  }
  return lines;
}

/** Every suffix some host replicates, by normalized DN (the first spelling seen). */
export function allSuffixes(reads: HostRead[]): string[] {
  const out = new Map<string, string>();
  for (const r of reads) for (const x of r.replicas) if (!out.has(normalizeDn(x.suffix))) out.set(normalizeDn(x.suffix), x.suffix);
  return [...out.values()];
}

/** Host -> hosts it sends this suffix to, from the agreements as read (fenced hosts appear as targets only). */
export function suffixGraph(reads: HostRead[], suffix: string): Graph {
  const graph: Graph = {};
  const key = normalizeDn(suffix);
  for (const r of reads) {
    if (!r.replicas.some((x) => normalizeDn(x.suffix) === key)) continue;
    const peers = (graph[r.host] ??= []);
    for (const a of r.agreements) if (a.peer && normalizeDn(a.suffix) === key && !peers.includes(a.peer)) peers.push(a.peer);
    peers.sort();
  }
  return graph;
}

/** Replica ids per suffix: suffix -> host -> id, and the ids more than one host uses. */
export function replicaIds(reads: HostRead[]): { ids: Record<string, Record<string, number>>; duplicates: string[] } {
  const ids: Record<string, Record<string, number>> = {};
  const duplicates: string[] = [];
  for (const suffix of allSuffixes(reads)) {
    const key = normalizeDn(suffix);
    const m: Record<string, number> = {};
    for (const r of reads) {
      const rep = r.replicas.find((x) => normalizeDn(x.suffix) === key);
      // Consumers and hubs all carry 65535: no id of their own, so no duplicate.
      if (rep && !isReadOnly(rep.role)) m[r.host] = rep.id;
    }
    ids[suffix] = m;
    const byId = new Map<number, string[]>();
    for (const [h, id] of Object.entries(m)) byId.set(id, [...(byId.get(id) ?? []), h]);
    for (const [id, hs] of byId) if (hs.length > 1) duplicates.push(`${suffix}: replica id ${id} is used by ${hs.join(' and ')}`);
  }
  return { ids, duplicates };
}

/**
 * Per suffix: each host that holds it (fenced ones excepted) -> the host it is re-initialized
 * from, breadth-first from the master along that suffix's own agreements. Throws naming every
 * host some suffix cannot reach, and every suffix the master does not hold.
 */
export function reinitPlan(graphs: Record<string, Graph>, master: string, fenced: string[]): Record<string, Record<string, string>> {
  const plan: Record<string, Record<string, string>> = {};
  const problems: string[] = [];
  // Hosts that hold every suffix: the masters an administrator can choose instead.
  const liveHolders = (g: Graph) => Object.keys(g).filter((h) => !fenced.includes(h));
  const everySuffix = Object.values(graphs).reduce<string[] | undefined>((acc, g) => (acc ? acc.filter((h) => liveHolders(g).includes(h)) : liveHolders(g)), undefined) ?? [];
  for (const [suffix, graph] of Object.entries(graphs)) {
    const holders = liveHolders(graph);
    if (!holders.includes(master)) {
      const instead = everySuffix.length ? `choose a master that holds every suffix (-e master=${everySuffix.join(' or ')})` : 'no host holds every suffix: restore each suffix from a host that holds it';
      problems.push(`${suffix} is replicated by ${holders.join(', ')} but not by the master ${master}: it cannot be restored from ${master}'s backup; ${instead}`);
      continue;
    }
    // Fenced hosts carry nothing: drop them as relays.
    const live: Graph = Object.fromEntries(holders.map((h) => [h, (graph[h] ?? []).filter((p) => holders.includes(p))]));
    try {
      const waves = topologyWaves(live, master, holders.filter((h) => h !== master));
      plan[suffix] = Object.fromEntries(waves.map((w) => [w.host, w.parent ?? master]));
    } catch (e) {
      problems.push(`${suffix}: ${(e as Error).message.replace(/^topology: /, '')} (that suffix's agreements${fenced.length ? `, not through fenced ${fenced.join(', ')}` : ''})`);
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return plan;
}

/** `plan` text: per suffix, the waves (depth 1 first) as `parent->host`. */
export function describePlan(plan: Record<string, Record<string, string>>, master: string): string[] {
  return Object.entries(plan).map(([suffix, parents]) => {
    const depth = (h: string): number => (h === master ? 0 : 1 + depth(parents[h] ?? master));
    const waves: string[][] = [];
    for (const h of Object.keys(parents)) (waves[depth(h) - 1] ??= []).push(`${parents[h]}->${h}`);
    return `${suffix}: ${waves.map((w, i) => `wave ${i + 1}: ${w.join(' ')}`).join('; ') || 'only the master holds it'}`;
  });
}

/** Per suffix, the hosts holding a read-only replica of it, with their role. */
export function readOnlyReplicas(reads: HostRead[]): { host: string; suffix: string; role: ReplicaRole }[] {
  return reads.flatMap((r) => r.replicas.filter((x) => isReadOnly(x.role)).map((x) => ({ host: r.host, suffix: x.suffix, role: x.role! })));
}

/** `ds3, ds4 consumers of dc=x; ds5 hub of o=y`. */
export function describeReadOnly(list: { host: string; suffix: string; role: ReplicaRole }[]): string {
  const groups = new Map<string, string[]>();
  for (const x of list) groups.set(`${x.role}\0${x.suffix}`, [...(groups.get(`${x.role}\0${x.suffix}`) ?? []), x.host]);
  return [...groups].map(([k, hosts]) => {
    const [role, suffix] = k.split('\0') as [string, string];
    return `${hosts.join(', ')} ${role}${hosts.length > 1 ? 's' : ''} of ${suffix}`;
  }).join('; ');
}

/**
 * The master's data is restored and sent to every other host: it must be able to take writes for
 * every suffix. One line per suffix where it holds a read-only replica, naming the hosts to choose.
 */
export function readOnlyMasterProblems(reads: HostRead[], master: string, fenced: string[]): string[] {
  const mine = reads.find((r) => r.host === master)?.replicas.filter((x) => isReadOnly(x.role)) ?? [];
  if (mine.length === 0) return [];
  const suffixes = allSuffixes(reads).map(normalizeDn);
  const candidates = reads
    .filter((r) => !fenced.includes(r.host) && suffixes.every((s) => r.replicas.some((x) => normalizeDn(x.suffix) === s && !isReadOnly(x.role))))
    .map((r) => r.host);
  const instead = candidates.length ? `choose a supplier of every suffix (-e master=${candidates.join(' or ')})` : 'no host is a supplier of every suffix';
  return mine.map((x) => `${master} holds a read-only replica of ${x.suffix} (a ${x.role}): it cannot be the master, whose restored data every other host receives; ${instead}`);
}
