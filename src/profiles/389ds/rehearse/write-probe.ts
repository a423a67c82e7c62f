import { setTimeout as sleep } from 'node:timers/promises';
import { ldapModify, ldapSearch } from '../actions/ldap.ts';
import { addRecord, deleteRecord } from '../actions/replication/ldif-build.ts';
import type { Connect } from './data-loss-damage.ts';

/**
 * A fresh write on each host, read back from every other host directly: proves replication works
 * in every direction after a recovery. Returns the slowest arrival per writer (ms), or throws
 * naming the pairs that did not see the write in time.
 */
export async function probeWrites(
  connect: Connect,
  opts: { instance: string; suffix: string; hosts: string[]; tag: string; timeoutMs?: number },
): Promise<Record<string, number>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const slowest: Record<string, number> = {};
  const late: string[] = [];
  for (const writer of opts.hosts) {
    const dn = `cn=probe-${opts.tag}-${writer},${opts.suffix}`;
    const written = Date.now();
    await ldapModify(await connect(writer), opts.instance, addRecord(dn, { objectClass: ['top', 'extensibleObject'], cn: [`probe-${opts.tag}-${writer}`] }));
    const arrivals = await Promise.all(
      opts.hosts
        .filter((h) => h !== writer)
        .map(async (reader) => {
          const remote = await connect(reader);
          for (;;) {
            if ((await ldapSearch(remote, opts.instance, dn, 'base', '(objectClass=*)', ['1.1'])).length) return Date.now() - written;
            if (Date.now() - written > timeoutMs) {
              late.push(`${writer} -> ${reader}`);
              return Infinity;
            }
            await sleep(50);
          }
        }),
    );
    slowest[writer] = Math.max(0, ...arrivals);
    await ldapModify(await connect(writer), opts.instance, deleteRecord(dn)).catch(() => undefined);
  }
  if (late.length) throw new Error(`writes not replicated within ${timeoutMs} ms: ${late.join(', ')}`);
  return slowest;
}
