import { ldapSearch } from '../actions/ldap.ts';
import { compareDigests, digestEntries } from '../actions/verify/entry-digest.ts';
import type { Connect } from './data-loss-damage.ts';

/** Every host holds the same entries (DN + every user attribute) in the suffix, each read directly. */
export async function sameEntriesEverywhere(connect: Connect, instance: string, suffix: string, hosts: string[]): Promise<{ ok: boolean; detail: string }> {
  const digests = await Promise.all(hosts.map(async (h) => ({ host: h, d: digestEntries(await ldapSearch(await connect(h), instance, suffix, 'sub', '(objectClass=*)', ['*'])) })));
  const [ref, ...rest] = digests;
  if (!ref) return { ok: false, detail: 'no hosts' };
  const diffs = rest.map((r) => compareDigests(ref.d, r.d, r.host)).filter((d) => d.missing.length + d.extra.length + d.different.length > 0);
  if (diffs.length === 0) return { ok: true, detail: `${ref.d.size} entries identical on ${hosts.join(', ')}` };
  return {
    ok: false,
    detail: diffs.map((d) => `${d.host} vs ${ref.host}: ${d.missing.length} missing, ${d.extra.length} extra, ${d.different.length} different (${[...d.missing, ...d.extra, ...d.different].slice(0, 3).join(' | ')})`).join('; '),
  };
}
