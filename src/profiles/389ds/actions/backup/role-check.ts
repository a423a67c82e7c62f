import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';

/**
 * Roles that say where a host sits, not what data it holds: a backup host does not need them.
 * Every other role (ca, kra, dns, x-...) marks data only hosts with that role have.
 */
const PLACEMENT_ROLES = new Set(['hidden', 'renewal']);

export function clusterServiceRoles(inv: Inventory): string[] {
  const all = new Set<string>();
  for (const h of inv.hosts) for (const r of h.roles) if (!PLACEMENT_ROLES.has(r)) all.add(r);
  return [...all].sort();
}

/**
 * ipa-backup's role check (seed 002): a backup taken on a host lacking a role in use "will not
 * contain all the data necessary to restore" the cluster. Returns the missing roles.
 */
export function missingRoles(inv: Inventory, host: InventoryHost): string[] {
  return clusterServiceRoles(inv).filter((r) => !host.roles.includes(r));
}
