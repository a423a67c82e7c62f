import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import { attr, ldapSearch, searchCommand, type LdapEntry } from '../ldap.ts';

/** Replication agreements live in cn=config under the mapping tree, one subtree per suffix. */
export const MAPPING_TREE = 'cn=mapping tree,cn=config';
export const AGREEMENT_FILTER = '(objectClass=nsds5replicationagreement)';
export const AGREEMENT_ATTRS = [
  'cn',
  'nsDS5ReplicaRoot',
  'nsDS5ReplicaHost',
  'nsDS5ReplicaPort',
  'nsds5ReplicaEnabled',
  'nsds5replicaLastUpdateStatus',
  'nsds5replicaLastInitStart',
  'nsds5replicaLastInitEnd',
  'nsds5replicaLastInitStatus',
  'nsds5BeginReplicaRefresh',
  'nsDS5ReplicatedAttributeList',
  'nsDS5ReplicatedAttributeListTotal',
];

export interface Agreement {
  /** Inventory host holding the agreement (the supplier). */
  host: string;
  dn: string;
  name: string;
  suffix: string;
  peerAddress: string;
  peerPort: number;
  /** Inventory host the agreement sends to; undefined when no inventory host matches. */
  peer?: string;
  /** An absent nsds5ReplicaEnabled means on (389-ds default). */
  enabled: boolean;
  lastUpdateStatus?: string;
  lastInitStart?: string;
  lastInitEnd?: string;
  lastInitStatus?: string;
  refreshPending: boolean;
  /** Attributes fractional replication leaves out (incremental and total lists), lower-cased. */
  excluded?: string[];
}

/** `(objectclass=*) $ EXCLUDE memberof idnssoaserial` -> [memberof, idnssoaserial]. */
export function fractionalExcludes(values: string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const m = /\bEXCLUDE\b(.*)$/i.exec(v);
    for (const name of m?.[1]?.trim().split(/\s+/) ?? []) if (name) out.add(name.toLowerCase());
  }
  return [...out];
}

/** DNs compare case-insensitively and without the spaces people put after commas. */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim().toLowerCase())
    .join(',');
}

export function sameDn(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** Maps nsDS5ReplicaHost (an address, a short name or an FQDN) back to an inventory host. */
export function inventoryHostFor(inv: Inventory, replicaHost: string): InventoryHost | undefined {
  const wanted = replicaHost.trim().toLowerCase();
  const names = (h: InventoryHost): string[] => {
    const extra = ['hostname', 'fqdn'].map((k) => h.vars[k]).filter((v): v is string => typeof v === 'string');
    // Other names the servers use for it (an FQDN alias in an agreement): host var `aliases`.
    if (Array.isArray(h.vars.aliases)) extra.push(...h.vars.aliases.map(String));
    return [h.address, h.name, ...extra].map((n) => n.toLowerCase());
  };
  return (
    inv.hosts.find((h) => names(h).includes(wanted)) ??
    // `ds1.lab.test` for inventory host `ds1`: the first label of the FQDN.
    inv.hosts.find((h) => names(h).some((n) => wanted.startsWith(`${n}.`)))
  );
}

export function agreementFromEntry(inv: Inventory, host: string, entry: LdapEntry): Agreement {
  const peerAddress = attr(entry, 'nsDS5ReplicaHost') ?? '';
  return {
    host,
    dn: entry.dn,
    name: attr(entry, 'cn') ?? entry.dn,
    suffix: attr(entry, 'nsDS5ReplicaRoot') ?? '',
    peerAddress,
    peerPort: Number(attr(entry, 'nsDS5ReplicaPort') ?? 389),
    peer: inventoryHostFor(inv, peerAddress)?.name,
    enabled: (attr(entry, 'nsds5ReplicaEnabled') ?? 'on').toLowerCase() !== 'off',
    lastUpdateStatus: attr(entry, 'nsds5replicaLastUpdateStatus'),
    lastInitStart: attr(entry, 'nsds5replicaLastInitStart'),
    lastInitEnd: attr(entry, 'nsds5replicaLastInitEnd'),
    lastInitStatus: attr(entry, 'nsds5replicaLastInitStatus'),
    refreshPending: attr(entry, 'nsds5BeginReplicaRefresh') !== undefined,
    excluded: fractionalExcludes([...(entry.attrs['nsds5replicatedattributelist'] ?? []), ...(entry.attrs['nsds5replicatedattributelisttotal'] ?? [])]),
  };
}

export function listAgreementsCommand(instance: string): string {
  return searchCommand(instance, MAPPING_TREE, 'sub', AGREEMENT_FILTER, AGREEMENT_ATTRS);
}

/** Every agreement of the host, optionally only those of the given suffixes. */
export async function listAgreements(
  remote: RemoteHost,
  inv: Inventory,
  host: string,
  instance: string,
  suffixes?: string[],
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Agreement[]> {
  const entries = await ldapSearch(remote, instance, MAPPING_TREE, 'sub', AGREEMENT_FILTER, AGREEMENT_ATTRS, opts);
  const all = entries.map((e) => agreementFromEntry(inv, host, e));
  if (!suffixes) return all;
  return all.filter((a) => suffixes.some((s) => sameDn(s, a.suffix)));
}

/** 389-ds status texts start with `Error (N)`; 0 is success. */
export function statusCode(status: string | undefined): number | undefined {
  const m = /^Error \((-?\d+)\)/.exec(status ?? '');
  return m ? Number(m[1]) : undefined;
}

/** An incremental session finished well: code 0 and "... Incremental update succeeded". */
export function isHealthyUpdateStatus(status: string | undefined): boolean {
  return statusCode(status) === 0 && /succeeded/i.test(status ?? '');
}
