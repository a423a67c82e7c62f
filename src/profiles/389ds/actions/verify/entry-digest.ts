import { createHash } from 'node:crypto';
import type { LdapEntry } from '../ldap.ts';
import { normalizeDn } from '../replication/agreements.ts';

/** normalized DN -> hash of the entry's attributes (names lower-cased, values sorted). */
export type EntryDigest = Map<string, { dn: string; hash: string }>;

export function digestEntries(entries: LdapEntry[], excluded: string[] = []): EntryDigest {
  const out: EntryDigest = new Map();
  // Attributes fractional replication leaves out differ by design between supplier and consumer.
  const skip = new Set(excluded.map((a) => a.toLowerCase()));
  for (const e of entries) {
    const h = createHash('sha256');
    for (const name of Object.keys(e.attrs).sort()) {
      if (skip.has(name.split(';')[0]!.toLowerCase())) continue;
      for (const v of [...(e.attrs[name] ?? [])].sort()) h.update(`${name}\0${v}\n`);
    }
    out.set(normalizeDn(e.dn), { dn: e.dn, hash: h.digest('hex').slice(0, 16) });
  }
  return out;
}

export interface DigestDiff {
  host: string;
  missing: string[];
  extra: string[];
  different: string[];
}

/** Differences of `other` against `reference` (DNs as the reference or the other host wrote them). */
export function compareDigests(reference: EntryDigest, other: EntryDigest, host: string): DigestDiff {
  const diff: DigestDiff = { host, missing: [], extra: [], different: [] };
  for (const [key, ref] of reference) {
    const o = other.get(key);
    if (!o) diff.missing.push(ref.dn);
    else if (o.hash !== ref.hash) diff.different.push(ref.dn);
  }
  for (const [key, o] of other) if (!reference.has(key)) diff.extra.push(o.dn);
  return diff;
}
