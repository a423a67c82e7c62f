import type { RemoteHost } from '../../../transport/types.ts';
import { ActionError } from '../../../actions/types.ts';
import { endOf } from './provision/remote-step.ts';

/**
 * LDAP over the host's LDAPI socket with SASL EXTERNAL: root autobinds as Directory Manager, so no
 * password travels anywhere (seed 001 relies on the same). The C tools start in ~20 ms, far cheaper
 * than a dsconf call (~0.9 s of Python start-up); LDIF goes on stdin, never in argv.
 */

export interface LdapEntry {
  dn: string;
  attrs: Record<string, string[]>;
}

export function ldapiUrl(instance: string): string {
  return `ldapi://${encodeURIComponent(`/run/slapd-${instance}.socket`)}`;
}

/** Quotes one word for a POSIX shell. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function searchCommand(
  instance: string,
  base: string,
  scope: 'base' | 'one' | 'sub',
  filter = '(objectClass=*)',
  attrs: string[] = [],
): string {
  return [
    'ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL',
    `-H ${ldapiUrl(instance)}`,
    `-b ${shq(base)} -s ${scope}`,
    shq(filter),
    ...attrs.map(shq),
  ].join(' ');
}

export function modifyCommand(instance: string, opts: { continueOnError?: boolean } = {}): string {
  return `ldapmodify -Q -Y EXTERNAL -H ${ldapiUrl(instance)}${opts.continueOnError ? ' -c' : ''}`;
}

/** Parses `ldapsearch -LLL -o ldif-wrap=no` output (base64 `::` values decoded). */
export function parseLdif(text: string): LdapEntry[] {
  const entries: LdapEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith('#'));
    if (lines.length === 0) continue;
    let dn = '';
    const attrs: Record<string, string[]> = {};
    for (const line of lines) {
      const m = /^([^:]+)(::?)\s?(.*)$/.exec(line);
      if (!m) continue;
      const [, name, sep, raw] = m as unknown as [string, string, string, string];
      const value = sep === '::' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      if (name.toLowerCase() === 'dn') dn = value;
      else (attrs[name.toLowerCase()] ??= []).push(value);
    }
    if (dn) entries.push({ dn, attrs });
  }
  return entries;
}

/** ldapsearch exits 32 for "no such object": an empty answer, not an error. */
export async function ldapSearch(
  remote: RemoteHost,
  instance: string,
  base: string,
  scope: 'base' | 'one' | 'sub',
  filter?: string,
  attrs?: string[],
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<LdapEntry[]> {
  const command = searchCommand(instance, base, scope, filter, attrs);
  const r = await remote.exec(command, opts);
  if (r.code === 32) return [];
  if (r.code !== 0) {
    throw new ActionError(`${remote.name}: ldapsearch of ${base} failed (${endOf(r)})${noServerHint(instance, r)}`, {
      command,
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return parseLdif(r.stdout);
}

/**
 * ldap tools exit 255 when nothing listens on the socket: a stopped server, or (a stale inventory)
 * an instance name the host does not have. Say both, so the reader checks the inventory too.
 */
export function noServerHint(instance: string, r: { code: number | null; stderr: string }): string {
  if (r.code !== 255 || !/can't contact ldap server/i.test(r.stderr)) return '';
  return `: nothing answers on /run/slapd-${instance}.socket: is slapd-${instance} running, and is "${instance}" this host's instance name (inventory var instance)?`;
}

/** Applies LDIF changes (sent on stdin) in one ldapmodify call. */
export async function ldapModify(
  remote: RemoteHost,
  instance: string,
  ldif: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; continueOnError?: boolean } = {},
): Promise<void> {
  const command = modifyCommand(instance, opts);
  const r = await remote.exec(command, { stdin: ldif, timeoutMs: opts.timeoutMs, signal: opts.signal });
  if (r.code !== 0) {
    throw new ActionError(`${remote.name}: ldapmodify failed (${endOf(r)}): ${r.stderr.trim().split('\n').pop() ?? ''}${noServerHint(instance, r)}`, {
      command,
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
}

/** First value of an attribute (names are lower-cased by parseLdif). */
export function attr(entry: LdapEntry | undefined, name: string): string | undefined {
  return entry?.attrs[name.toLowerCase()]?.[0];
}
