import type { RemoteHost } from '../../../../transport/types.ts';
import { attr, ldapSearch, searchCommand } from '../ldap.ts';
import { replicaDn } from '../provision/remote-step.ts';

/**
 * What a host's replica of a suffix may do. nsDS5ReplicaType 3 is a supplier (writable); 2 is
 * read-only: a hub (flags 1, it keeps a changelog and forwards) or a consumer (flags 0). A write
 * on a read-only replica is answered with a referral (LDAP result 10), never applied.
 */
export type ReplicaRole = 'supplier' | 'hub' | 'consumer';

export function roleOf(type: string | undefined, flags: string | undefined): ReplicaRole | undefined {
  if (type === undefined) return undefined;
  if (type.trim() !== '2') return 'supplier';
  return flags?.trim() === '1' ? 'hub' : 'consumer';
}

export const isReadOnly = (role: ReplicaRole | undefined): boolean => role === 'hub' || role === 'consumer';

const ATTRS = ['nsDS5ReplicaType', 'nsDS5Flags'];

export function replicaRoleCommand(instance: string, suffix: string): string {
  return searchCommand(instance, replicaDn(suffix), 'base', '(objectClass=nsds5replica)', ATTRS);
}

/** The host's role for the suffix; undefined when it holds no replica of it. */
export async function readReplicaRole(remote: RemoteHost, instance: string, suffix: string, signal?: AbortSignal): Promise<ReplicaRole | undefined> {
  const [e] = await ldapSearch(remote, instance, replicaDn(suffix), 'base', '(objectClass=nsds5replica)', ATTRS, { signal });
  return e ? roleOf(attr(e, 'nsDS5ReplicaType'), attr(e, 'nsDS5Flags')) : undefined;
}
