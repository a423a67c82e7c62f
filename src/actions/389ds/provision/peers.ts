import type { Inventory, InventoryHost } from '../../../inventory/types.ts';
import { ActionError } from '../../types.ts';
import { caSuffix, hostSuffixes } from '../host-vars.ts';

type Graph = Record<string, string[]>;

function graphVar(v: unknown): Graph | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const g: Graph = {};
  for (const [k, peers] of Object.entries(v as Record<string, unknown>)) g[k] = Array.isArray(peers) ? peers.map(String) : [];
  return g;
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
    names = g ? (g[host.name] ?? []) : holders.map((h) => h.name);
  } else {
    const g = graphVar(vars.topology ?? inv.vars.topology);
    if (!g) throw new ActionError(`${host.name}: no topology (inventory var "topology": host -> peers) to build agreements from`);
    names = g[host.name] ?? [];
  }
  return names.map((n) => {
    const h = holders.find((x) => x.name === n);
    if (!h) throw new ActionError(`${host.name}: topology peer "${n}" is not an inventory host holding ${suffix}`);
    return h;
  });
}
