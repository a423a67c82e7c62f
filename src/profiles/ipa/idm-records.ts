import type { LdapEntry } from '../389ds/actions/ldap.ts';

/**
 * What IdM itself records about its servers, read from its own tree over LDAPI (the data behind
 * `ipa server-role-find` and `ipa topologysegment-find`, and what ipa-backup's check_roles reads):
 * - cn=<fqdn>,cn=masters,cn=ipa,cn=etc,<basedn>: one entry per server; below it one entry per
 *   service (cn=CA, cn=KRA, cn=DNS, …) whose ipaConfigString holds enabledService / hiddenService,
 *   and caRenewalMaster on the CA renewal master's cn=CA;
 * - cn=<segment>,cn=domain|ca,cn=topology,cn=ipa,cn=etc,<basedn>: the replication segments.
 */

export function mastersBase(basedn: string): string {
  return `cn=masters,cn=ipa,cn=etc,${basedn}`;
}
export function topologyBase(basedn: string): string {
  return `cn=topology,cn=ipa,cn=etc,${basedn}`;
}
export const MASTER_ATTRS = ['cn', 'ipaConfigString'];
export const SEGMENT_FILTER = '(objectClass=ipaReplTopoSegment)';
export const SEGMENT_ATTRS = ['ipaReplTopoSegmentLeftNode', 'ipaReplTopoSegmentRightNode', 'ipaReplTopoSegmentDirection'];

export interface IdmServer {
  fqdn: string;
  /** Inventory role names: ca, kra, dns, hidden, renewal. */
  roles: string[];
  services: string[];
}

const SERVICE_ROLE: Record<string, string> = { CA: 'ca', KRA: 'kra', DNS: 'dns', DNSKeySync: 'dns' };

/** RDN values of a DN, first first (no escaped commas in IdM host names or service names). */
function rdns(dn: string): string[] {
  return dn.split(',').map((p) => p.slice(p.indexOf('=') + 1).trim());
}

export function parseMasters(entries: LdapEntry[], basedn: string): IdmServer[] {
  const depth = mastersBase(basedn).split(',').length;
  const servers = new Map<string, IdmServer>();
  const server = (fqdn: string) => {
    let s = servers.get(fqdn.toLowerCase());
    if (!s) servers.set(fqdn.toLowerCase(), (s = { fqdn: fqdn.toLowerCase(), roles: [], services: [] }));
    return s;
  };
  for (const e of entries) {
    const parts = rdns(e.dn);
    const extra = parts.length - depth;
    if (extra === 1) server(parts[0] as string);
    if (extra !== 2) continue;
    const [service, fqdn] = parts as [string, string];
    const s = server(fqdn);
    const config = (e.attrs['ipaconfigstring'] ?? []).map((v) => v.toLowerCase());
    // A service entry without enabledService/hiddenService is configured but not running.
    if (!config.includes('enabledservice') && !config.includes('hiddenservice')) continue;
    s.services.push(service);
    const role = SERVICE_ROLE[service];
    if (role && !s.roles.includes(role)) s.roles.push(role);
    if (config.includes('hiddenservice') && !s.roles.includes('hidden')) s.roles.push('hidden');
    if (service === 'CA' && config.includes('carenewalmaster') && !s.roles.includes('renewal')) s.roles.push('renewal');
  }
  for (const s of servers.values()) s.roles.sort();
  return [...servers.values()].sort((a, b) => a.fqdn.localeCompare(b.fqdn));
}

export interface Segment {
  suffix: 'domain' | 'ca' | string;
  left: string;
  right: string;
  direction: string;
}

export function parseSegments(entries: LdapEntry[]): Segment[] {
  return entries.map((e) => ({
    suffix: rdns(e.dn)[1] ?? '',
    left: (e.attrs['iparepltoposegmentleftnode']?.[0] ?? '').toLowerCase(),
    right: (e.attrs['iparepltoposegmentrightnode']?.[0] ?? '').toLowerCase(),
    direction: e.attrs['iparepltoposegmentdirection']?.[0] ?? 'both',
  }));
}

export function renewalMaster(servers: IdmServer[]): string | undefined {
  return servers.find((s) => s.roles.includes('renewal'))?.fqdn;
}
