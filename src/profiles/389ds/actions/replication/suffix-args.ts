import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { hostSuffixes } from '../host-vars.ts';

/**
 * `suffixes: all` (the default) means every suffix the host holds: the main ones plus `o=ipaca` on
 * CA hosts. A list (or a comma-separated string) narrows it; naming a suffix the host does not hold
 * is an error rather than a silent no-op.
 */
export function resolveSuffixes(inv: Inventory, host: InventoryHost, value: unknown, vars: Record<string, unknown> = {}): string[] {
  const held = hostSuffixes(inv, host);
  // An inventory without suffixes: what topology.discover read from this host's server.
  if (held.length === 0) {
    const fromServers = (vars.server_suffixes as Record<string, unknown> | undefined)?.[host.name];
    if (Array.isArray(fromServers)) held.push(...fromServers.map(String));
  }
  if (value === undefined || value === null || value === 'all') return held;
  const wanted = Array.isArray(value) ? value.map(String) : String(value).split(/\s*;\s*|\s*\|\s*/);
  const cleaned = wanted.map((s) => s.trim()).filter(Boolean);
  if (cleaned.length === 0) throw new ActionError(`${host.name}: no suffix given`);
  return cleaned;
}

export const SUFFIXES_ARG = {
  type: 'any' as const,
  default: 'all',
  description: "Suffixes whose agreements are used: `all` (every suffix the host holds, o=ipaca on CA hosts) or a list",
};
