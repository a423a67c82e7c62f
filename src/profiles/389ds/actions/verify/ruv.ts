import type { RemoteHost } from '../../../../transport/types.ts';
import { ldapSearch, searchCommand } from '../ldap.ts';

/**
 * The RUV tombstone of a suffix carries `{replicageneration}`: replicas with different generations
 * cannot replicate ("different database generation ID") until re-initialized from one another.
 */
export const RUV_FILTER = '(&(nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff)(objectclass=nstombstone))';

export function ruvCommand(instance: string, suffix: string): string {
  return searchCommand(instance, suffix, 'sub', RUV_FILTER, ['nsds50ruv']);
}

export interface Ruv {
  generation?: string;
  /** replica id -> max CSN seen from it */
  maxCsn: Record<string, string>;
}

/** Parses nsds50ruv values: `{replicageneration} 5f..` and `{replica 1 ldap://h:389} min max`. */
export function parseRuv(values: string[]): Ruv {
  const ruv: Ruv = { maxCsn: {} };
  for (const v of values) {
    const gen = /^\{replicageneration\}\s+(\S+)/i.exec(v);
    if (gen) {
      ruv.generation = gen[1];
      continue;
    }
    const rep = /^\{replica\s+(\d+)[^}]*\}(?:\s+(\S+))?(?:\s+(\S+))?/i.exec(v);
    if (rep && rep[1]) ruv.maxCsn[rep[1]] = rep[3] ?? rep[2] ?? '';
  }
  return ruv;
}

export async function readRuv(remote: RemoteHost, instance: string, suffix: string, signal?: AbortSignal): Promise<Ruv> {
  const [entry] = await ldapSearch(remote, instance, suffix, 'sub', RUV_FILTER, ['nsds50ruv'], { signal });
  return parseRuv(entry?.attrs['nsds50ruv'] ?? []);
}

/**
 * Has the consumer seen everything the supplier has? For every replica id in the supplier's RUV,
 * the consumer's max CSN must be at least as new (CSNs are fixed-width hex: text order is time
 * order). lib389 calls this "In Synchronization".
 */
export function ruvCovers(supplier: Ruv, consumer: Ruv): boolean {
  for (const [rid, csn] of Object.entries(supplier.maxCsn)) {
    if (!csn) continue;
    const seen = consumer.maxCsn[rid];
    if (!seen || seen < csn) return false;
  }
  return true;
}
