import type { Inventory, InventoryHost } from '../../../inventory/types.ts';

/**
 * Where the 389ds actions read their per-host facts. Host vars win over inventory vars, so a
 * cluster can name its instance once and override it on one odd host.
 */
function lookup(inv: Inventory, host: InventoryHost, key: string): unknown {
  return host.vars[key] ?? inv.vars[key];
}

export function instanceName(inv: Inventory, host: InventoryHost): string {
  const v = lookup(inv, host, 'instance');
  return typeof v === 'string' && v ? v : 'localhost';
}

export function replicaId(inv: Inventory, host: InventoryHost): number | undefined {
  const v = lookup(inv, host, 'replica_id');
  return v === undefined ? undefined : Number(v);
}

/** The main suffixes every supplier holds (IdM: the domain suffix). */
export function mainSuffixes(inv: Inventory, host: InventoryHost): string[] {
  const v = lookup(inv, host, 'suffixes');
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  return [];
}

/** IdM keeps CA data in `o=ipaca`, replicated only among hosts with the `ca` role. */
export function caSuffix(inv: Inventory, host: InventoryHost): string | undefined {
  const v = lookup(inv, host, 'ca_suffix');
  return typeof v === 'string' && v ? v : undefined;
}

/** Every suffix this host holds: the main ones, plus the CA suffix on CA hosts. */
export function hostSuffixes(inv: Inventory, host: InventoryHost): string[] {
  const ca = caSuffix(inv, host);
  return [...mainSuffixes(inv, host), ...(ca && host.roles.includes('ca') ? [ca] : [])];
}

/** LDAP port of the host's instance (the address other replicas reach it on). */
export function ldapPort(inv: Inventory, host: InventoryHost): number {
  const v = lookup(inv, host, 'ldap_port');
  return v === undefined ? 389 : Number(v);
}
