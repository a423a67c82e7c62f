import type { Inventory } from '../../../../inventory/types.ts';
import { ldapPort } from '../host-vars.ts';
import type { Agreement } from './agreements.ts';

/**
 * Agreements that send to an inventory host on another port than the inventory's `ldap_port` for
 * it: a stale inventory. A rebuild from it would create the instance and the agreements on the
 * wrong port, so the run stops first, naming the host, the agreement and the port to write.
 */
export function portMismatches(inv: Inventory, agreements: Agreement[]): string[] {
  const lines = new Map<string, string>();
  for (const a of agreements) {
    const peer = a.peer ? inv.hosts.find((h) => h.name === a.peer) : undefined;
    if (!peer) continue;
    const want = ldapPort(inv, peer);
    if (a.peerPort === want || lines.has(peer.name)) continue;
    lines.set(
      peer.name,
      `${peer.name}: the inventory says ldap_port ${want}, but agreement ${a.name} on ${a.host} (${a.suffix}) sends to port ${a.peerPort}: set ldap_port: ${a.peerPort} for ${peer.name} in the inventory`,
    );
  }
  return [...lines.values()];
}
