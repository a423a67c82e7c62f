import { lookup } from 'node:dns/promises';
import type { Inventory } from './types.ts';
import { InputError } from '../util/errors.ts';

/**
 * Two inventory hosts whose addresses resolve to one address and port are one server under two
 * names: every step would then run twice on it, and discovery would call the second name a host
 * with no agreement. Checked before anything connects (names that do not resolve are left to the
 * connection, which says so).
 */
export async function sameServerProblems(inv: Inventory, hostNames: string[] = inv.hosts.map((h) => h.name)): Promise<InputError[]> {
  const wanted = new Set(hostNames);
  // A host behind a jump host is resolved there, not here: left out.
  const hosts = inv.hosts.filter((h) => wanted.has(h.name) && !h.ssh.jump);
  const resolved = await Promise.all(hosts.map((h) => lookup(h.address).then((r) => r.address, () => undefined)));
  const first = new Map<string, { name: string; address: string }>();
  const errors: InputError[] = [];
  hosts.forEach((h, i) => {
    const ip = resolved[i];
    if (!ip) return;
    const key = `${ip}:${h.ssh.port}`;
    const seen = first.get(key);
    if (!seen) {
      first.set(key, { name: h.name, address: h.address });
      return;
    }
    errors.push(new InputError(
      `host ${h.name} (${h.address}) is host ${seen.name} (${seen.address}) under another name: both resolve to ${ip} port ${h.ssh.port}; ` +
        `list each server once (another name its agreements use goes in its vars: aliases: [${h.address}])`,
      inv.addressAt?.[h.name],
    ));
  });
  return errors;
}
