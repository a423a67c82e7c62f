import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import { instanceName } from '../host-vars.ts';
import { attr, ldapSearch, searchCommand } from '../ldap.ts';
import { RUV_FILTER } from '../verify/ruv.ts';
import { AGREEMENT_ATTRS, agreementFromEntry, inventoryHostFor, MAPPING_TREE } from './agreements.ts';
import type { HostRead, ReplicaEntry } from './topology-walk.ts';
import { roleOf } from './replica-role.ts';

/** Replica entries and agreements of every suffix in one search: what the server replicates, to whom. */
export const REPLICA_OR_AGREEMENT = '(|(objectClass=nsds5replica)(objectClass=nsds5replicationagreement))';
const ATTRS = [...AGREEMENT_ATTRS, 'nsDS5ReplicaId', 'nsDS5ReplicaType', 'nsDS5Flags', 'objectClass'];

export function replicationConfigCommand(instance: string): string {
  return searchCommand(instance, MAPPING_TREE, 'sub', REPLICA_OR_AGREEMENT, ATTRS);
}

/** `{replica 5 ldap://ds5.lab.test:389} ...` -> replica id -> `ds5.lab.test:389`. */
export function ruvSupplierUrls(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^\{replica\s+(\d+)\s+ldaps?:\/\/([^}\s]+)\}/i.exec(v);
    if (m) out[m[1]!] = m[2]!.replace(/\/$/, '');
  }
  return out;
}

/** The inventory host an RUV element's `host:port` names (FQDN, alias or name), if any. */
export function ruvSupplierHost(inv: Inventory, hostPort: string): InventoryHost | undefined {
  return inventoryHostFor(inv, hostPort.replace(/:\d+$/, ''));
}

/** Reads one host's replicas, agreements and, per replicated suffix, the suppliers its RUV names. */
export async function readHostReplication(remote: RemoteHost, inv: Inventory, host: InventoryHost, signal?: AbortSignal): Promise<HostRead> {
  const inst = instanceName(inv, host);
  const entries = await ldapSearch(remote, inst, MAPPING_TREE, 'sub', REPLICA_OR_AGREEMENT, ATTRS, { signal });
  const isA = (e: (typeof entries)[number], oc: string) => (e.attrs['objectclass'] ?? []).some((v) => v.toLowerCase() === oc);
  const replicas: ReplicaEntry[] = entries
    .filter((e) => isA(e, 'nsds5replica'))
    .map((e) => ({ suffix: attr(e, 'nsDS5ReplicaRoot') ?? '', id: Number(attr(e, 'nsDS5ReplicaId') ?? 0), role: roleOf(attr(e, 'nsDS5ReplicaType'), attr(e, 'nsDS5Flags')) }))
    .filter((r) => r.suffix);
  const agreements = entries.filter((e) => isA(e, 'nsds5replicationagreement')).map((e) => agreementFromEntry(inv, host.name, e));
  const ruvSuppliers: Record<string, Record<string, string>> = {};
  for (const r of replicas) {
    const [ruv] = await ldapSearch(remote, inst, r.suffix, 'sub', RUV_FILTER, ['nsds50ruv'], { signal });
    ruvSuppliers[r.suffix] = ruvSupplierUrls(ruv?.attrs['nsds50ruv'] ?? []);
  }
  return { host: host.name, replicas, agreements, ruvSuppliers };
}
