import type { RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { parseLdif, searchCommand } from '../ldap.ts';
import { normalizeDn } from '../replication/agreements.ts';
import { endOf } from '../provision/remote-step.ts';

/**
 * Waiting for proof entries to arrive on (or vanish from) a host without a controller round trip
 * per poll: one command on the host searches for all of them every `pollMs` there and answers as
 * soon as the set is complete (or empty), or after `maxSeconds` so the controller can check its
 * deadline. Replication latency is tens of milliseconds when nothing contends; a poll from the
 * controller (SSH channel + ldapsearch per entry and host) cost more than the wait itself.
 */

/** RFC 4515 escaping of a filter value. */
export function filterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The first RDN's value of a DN like `cn=lifeboat-probe-x,dc=lab` (the proof entries' own names). */
function cnOf(dn: string): string {
  const m = /^cn=((?:\\,|[^,])*),/i.exec(dn);
  if (!m?.[1]) throw new Error(`not a cn=… DN: ${dn}`);
  return m[1];
}

export function awaitEntriesCommand(instance: string, suffix: string, dns: string[], want: 'present' | 'absent', pollMs: number, maxSeconds: number): string {
  const filter = `(|${dns.map((dn) => `(cn=${filterValue(cnOf(dn))})`).join('')})`;
  const search = searchCommand(instance, suffix, 'one', filter, ['1.1']);
  const done = want === 'present' ? `[ "$n" -ge ${dns.length} ]` : `[ "$n" -eq 0 ]`;
  const tries = Math.max(1, Math.ceil((maxSeconds * 1000) / pollMs));
  return [
    `i=0; while :; do`,
    `out=$(${search}); rc=$?; [ $rc -ne 0 ] && [ $rc -ne 32 ] && exit $rc;`,
    `n=$(printf '%s\\n' "$out" | grep -c '^dn:');`,
    `${done} && break; i=$((i+1)); [ $i -ge ${tries} ] && break;`,
    `sleep ${(pollMs / 1000).toFixed(3)}; done; printf '%s\\n' "$out"`,
  ].join(' ');
}

/**
 * Which of `dns` the host serves once they are all there (`present`) or all gone (`absent`), or
 * when `deadline` passed. Normalized DNs.
 */
export async function awaitEntries(
  remote: RemoteHost,
  instance: string,
  suffix: string,
  dns: string[],
  want: 'present' | 'absent',
  deadline: number,
  opts: { pollMs: number; signal?: AbortSignal },
): Promise<Set<string>> {
  const wanted = new Set(dns.map(normalizeDn));
  for (;;) {
    const left = Math.max(0, deadline - Date.now());
    const command = awaitEntriesCommand(instance, suffix, dns, want, opts.pollMs, Math.min(5, left / 1000));
    const r = await remote.exec(command, { signal: opts.signal, timeoutMs: 60_000 });
    if (r.code !== 0) {
      throw new ActionError(`${remote.name}: could not look for the proof entries in ${suffix} (${endOf(r)})`, { command, code: r.code, stdout: r.stdout, stderr: r.stderr });
    }
    const served = new Set(parseLdif(r.stdout).map((e) => normalizeDn(e.dn)).filter((dn) => wanted.has(dn)));
    const complete = want === 'present' ? served.size === wanted.size : served.size === 0;
    if (complete || Date.now() >= deadline) return served;
  }
}
