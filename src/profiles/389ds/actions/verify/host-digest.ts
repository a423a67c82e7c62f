import type { RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { searchCommand, shq } from '../ldap.ts';
import { endOf } from '../provision/remote-step.ts';

/**
 * One hash of a suffix's entries, computed on the host: every attribute line tagged with its
 * entry's DN (lower-cased), names lower-cased, the lines sorted, then hashed. Equal hashes mean the
 * same entries with the same values in any order, so the entries never leave the hosts when they
 * agree (10k entries are ~2 MB of LDIF per host, and parsing them on the controller cost more
 * than the search). It normalizes less than the controller's digest (base64 vs plain values, DN
 * spacing), so a mismatch only sends the comparison to that exact, slower path.
 * Lifeboat's own proof entries are left out, as in the controller's comparison.
 */
const CANONICAL = [
  'BEGIN { RS = ""; FS = "\\n" }',
  '{ dn = ""; for (i = 1; i <= NF; i++) if ($i ~ /^dn:/) { dn = $i; break }',
  '  if (tolower(dn) ~ /^dn: cn=lifeboat-(canary|probe)-/) next',
  '  if (dn ~ /^dn: /) { dn = tolower(dn); gsub(/, +/, ",", dn) }',
  '  for (i = 1; i <= NF; i++) { l = $i; if (l ~ /^dn:/ || l ~ /^#/ || l == "") continue; p = index(l, ":"); if (p == 0) continue',
  '    n = tolower(substr(l, 1, p - 1)); b = n; sub(/;.*/, "", b); if (index(skip, " " b " ")) continue',
  '    printf "%s\\t%s%s\\n", dn, n, substr(l, p) } }',
].join('\n');

/** `excluded`: attributes fractional replication leaves out (names only, lower-cased), not hashed. */
export function hostDigestCommand(instance: string, suffix: string, excluded: string[] = []): string {
  const search = searchCommand(instance, suffix, 'sub', '(objectClass=*)', ['*']);
  const skip = ` ${excluded.map((a) => a.toLowerCase()).filter((a) => /^[a-z0-9-]+$/.test(a)).join(' ')} `;
  return [
    `f=$(mktemp) || exit 1; trap 'rm -f "$f"' EXIT;`,
    `${search} > "$f"; rc=$?; [ $rc -ne 0 ] && [ $rc -ne 32 ] && exit $rc;`,
    `awk -v skip=${shq(skip)} ${shq(CANONICAL)} "$f" | LC_ALL=C sort | sha256sum`,
  ].join(' ');
}

export async function hostDigest(remote: RemoteHost, instance: string, suffix: string, signal?: AbortSignal, excluded: string[] = []): Promise<string> {
  const command = hostDigestCommand(instance, suffix, excluded);
  const r = await remote.exec(command, { signal });
  const hash = /^[0-9a-f]{64}/.exec(r.stdout)?.[0];
  if (r.code !== 0 || !hash) throw new ActionError(`${remote.name}: could not digest ${suffix} (${endOf(r)})`, { command, code: r.code, stdout: r.stdout, stderr: r.stderr });
  return hash;
}
