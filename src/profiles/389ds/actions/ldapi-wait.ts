import { ldapiUrl } from './ldap.ts';

/** Exits 0 when the instance answers on LDAPI right now (the root DSE, no output). */
export function ldapiPingCommand(instance: string): string {
  return `ldapsearch -LLL -Q -Y EXTERNAL -H ${ldapiUrl(instance)} -b '' -s base '(objectClass=*)' vendorVersion >/dev/null 2>&1`;
}

/**
 * One remote shell loop that waits until the instance answers on LDAPI: short sleeps on the host
 * instead of a round trip per try. Exits 0 when it answers, 1 after `seconds`.
 */
export function waitForLdapiCommand(instance: string, seconds: number): string {
  const tries = Math.max(1, Math.ceil(seconds / 0.2));
  return [
    `i=0; while [ $i -lt ${tries} ]; do`,
    `${ldapiPingCommand(instance)} && exit 0;`,
    `sleep 0.2; i=$((i+1)); done; exit 1`,
  ].join(' ');
}
