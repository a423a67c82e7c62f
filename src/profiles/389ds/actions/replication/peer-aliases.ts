import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Inventory } from '../../../../inventory/types.ts';

/**
 * An agreement may name a peer by another name than the inventory does (an FQDN alias, a service
 * name in /etc/hosts). Refusing it as "a supplier that is no inventory host" would send the
 * administrator to add the same server twice; resolving both names on the controller tells them
 * it is one host, and which alias to write down (host var `aliases`).
 */

type Resolver = (name: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 3000;

const system: Resolver = async (name) => {
  const found = lookup(name, { all: true }).then(
    (list) => list.map((a) => a.address),
    () => [] as string[],
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
};

let resolver: Resolver = system;

/** Unit tests answer for DNS; undefined puts the system resolver back. */
export function setPeerResolver(r: Resolver | undefined): void {
  resolver = r ?? system;
}

const addressesOf = (name: string): Promise<string[]> => (isIP(name) ? Promise.resolve([name]) : resolver(name));

/** The inventory host `name` resolves to the same address as, if any. */
export async function inventoryHostByAddress(inv: Inventory, name: string): Promise<{ host: string; address: string } | undefined> {
  const wanted = await addressesOf(name);
  if (wanted.length === 0) return undefined;
  for (const h of inv.hosts) {
    const names = [h.address, h.vars.fqdn, h.vars.hostname].filter((n): n is string => typeof n === 'string' && n !== '');
    for (const n of names) {
      const hit = (await addressesOf(n)).find((a) => wanted.includes(a));
      if (hit) return { host: h.name, address: hit };
    }
  }
  return undefined;
}

export function aliasMessage(name: string, seenAs: string, match: { host: string; address: string }): string {
  return `${name} (${seenAs}) is inventory host ${match.host} under another name (both resolve to ${match.address}): add it to ${match.host}'s vars (aliases: [${name}]) so the run knows them as one host`;
}
