import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, hostSuffixes } from '../host-vars.ts';
import { normalizeDn } from '../replication/agreements.ts';

type Graph = Record<string, string[]>;

function graphVar(v: unknown): Graph | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const g: Graph = {};
  for (const [k, peers] of Object.entries(v as Record<string, unknown>)) g[k] = Array.isArray(peers) ? peers.map(String) : [];
  return g;
}

/** The main suffixes' graph: the run's `topology` fact (discovered) or the inventory var. */
export function mainTopology(inv: Inventory, vars: Record<string, unknown>): Graph | undefined {
  return graphVar(vars.topology ?? inv.vars.topology);
}

/**
 * One suffix's graph from the agreements topology.discover read (fact `agreements`), or undefined
 * when it read none for that suffix. The merged `topology` fact is no substitute: on a ring whose
 * CA suffix is a mesh, it would link two ring hosts by their o=ipaca agreement and a rebuild would
 * then create a domain agreement between them that never existed.
 */
export function discoveredGraph(vars: Record<string, unknown>, suffix: string): Graph | undefined {
  const list = Array.isArray(vars.agreements) ? (vars.agreements as { host?: unknown; peer?: unknown; suffix?: unknown }[]) : [];
  const key = normalizeDn(suffix);
  const mine = list.filter((a) => typeof a.suffix === 'string' && normalizeDn(a.suffix) === key && typeof a.peer === 'string' && typeof a.host === 'string');
  if (mine.length === 0) return undefined;
  const g: Graph = {};
  for (const a of mine) {
    const peers = (g[a.host as string] ??= []);
    if (!peers.includes(a.peer as string)) peers.push(a.peer as string);
  }
  return g;
}

/**
 * A host's peers in a graph of agreements, both ways: 389-ds multi-supplier agreements come in
 * pairs, so a host that lost its own (a rebuilt replica) is found through its peers' agreements to it.
 */
function peersIn(g: Graph, host: string): string[] {
  const out = new Set(g[host] ?? []);
  for (const [h, peers] of Object.entries(g)) if (h !== host && peers.includes(host)) out.add(h);
  return [...out];
}

/** Peers from the run's `topology` fact or the inventory's `topology` / `ca_topology`. */
function configuredPeers(inv: Inventory, host: InventoryHost, isCa: boolean, holders: InventoryHost[], vars: Record<string, unknown>): string[] {
  if (isCa) {
    const g = graphVar(vars.ca_topology ?? inv.vars.ca_topology);
    return g ? peersIn(g, host.name) : holders.map((h) => h.name);
  }
  const g = mainTopology(inv, vars);
  if (!g) throw new ActionError(`${host.name}: no topology to build agreements from: run topology.discover in an earlier step, or set the inventory var "topology" (host -> peers)`);
  return peersIn(g, host.name);
}

/**
 * Which hosts this host replicates a suffix to: that suffix's discovered agreements when an earlier
 * step read them; else the main suffixes follow `topology` (a run fact or the inventory var) and the
 * CA suffix follows `ca_topology`, by default every other CA host, since only CA hosts hold it.
 */
export function peersFor(inv: Inventory, host: InventoryHost, suffix: string, vars: Record<string, unknown>): InventoryHost[] {
  const ca = caSuffix(inv, host);
  const isCa = ca !== undefined && ca.toLowerCase() === suffix.toLowerCase();
  const holders = inv.hosts.filter((h) => h.name !== host.name && hostSuffixes(inv, h).some((s) => s.toLowerCase() === suffix.toLowerCase()));
  const seen = discoveredGraph(vars, suffix);
  const fromServers = seen ? peersIn(seen, host.name) : [];
  // A host no discovered agreement of that suffix touches (its peers' agreements to it were
  // removed too) falls back to the configured graph.
  let names = fromServers.length ? fromServers : configuredPeers(inv, host, isCa, holders, vars);
  // The main topology also links hosts that do not hold a suffix only some hosts have (o=extra on
  // three of five): among its holders only; the run then follows that suffix's own agreements.
  if (!fromServers.length && !isCa) {
    const holding = names.filter((n) => holders.some((h) => h.name === n));
    if (names.length && !holding.length) throw new ActionError(`${host.name}: none of its topology peers (${names.join(', ')}) holds ${suffix}: no agreement for it can be planned; fix the inventory's suffixes or topology`);
    names = holding;
  }
  return names.map((n) => {
    const h = holders.find((x) => x.name === n);
    if (!h) throw new ActionError(`${host.name}: topology peer "${n}" is not an inventory host holding ${suffix}`);
    return h;
  });
}
