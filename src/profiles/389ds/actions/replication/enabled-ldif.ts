import { joinRecords, replaceRecord } from './ldif-build.ts';

/** One LDIF text switching every given agreement on or off: applied by a single ldapmodify. */
export function enabledLdif(dns: string[], on: boolean): string {
  return joinRecords(dns.map((dn) => replaceRecord(dn, 'nsds5ReplicaEnabled', [on ? 'on' : 'off'])));
}
