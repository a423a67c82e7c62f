import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, hostSuffixes } from '../host-vars.ts';

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
 * A host's peers in a graph of agreements, both ways: 389-ds multi-supplier agreements come in
 * pairs, so a host that lost its own (a rebuilt replica) is found through its peers' agreements to it.
 */
function peersIn(g: Graph, host: string): string[] {
  const out = new Set(g[host] ?? []);
  for (const [h, peers] of Object.entries(g)) if (h !== host && peers.includes(host)) out.add(h);
  return [...out];
}

/**
 * Which hosts this host replicates a suffix to. The main suffixes follow `topology` (a run fact or
 * the inventory var); the CA suffix follows `ca_topology`, by default every other CA host, since
 * only CA hosts hold it.
 */
export function peersFor(inv: Inventory, host: InventoryHost, suffix: string, vars: Record<string, unknown>): InventoryHost[] {
  const ca = caSuffix(inv, host);
  const isCa = ca !== undefined && ca.toLowerCase() === suffix.toLowerCase();
  const holders = inv.hosts.filter((h) => h.name !== host.name && hostSuffixes(inv, h).some((s) => s.toLowerCase() === suffix.toLowerCase()));
  let names: string[];
  if (isCa) {
    const g = graphVar(vars.ca_topology ?? inv.vars.ca_topology);
    names = g ? peersIn(g, host.name) : holders.map((h) => h.name);
  } else {
    const g = mainTopology(inv, vars);
    if (!g) throw new ActionError(`${host.name}: no topology to build agreements from: run topology.discover in an earlier step, or set the inventory var "topology" (host -> peers)`);
    names = peersIn(g, host.name);
  }
  return names.map((n) => {
    const h = holders.find((x) => x.name === n);
    if (!h) throw new ActionError(`${host.name}: topology peer "${n}" is not an inventory host holding ${suffix}`);
    return h;
  });
}
