import type { RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { parseLdif, searchCommand, shq } from '../ldap.ts';
import { normalizeDn } from '../replication/agreements.ts';
import { endOf } from '../provision/remote-step.ts';

/**
 * Waiting for proof entries to arrive on (or vanish from) a host without a controller round trip
 * per poll: one command on the host searches for all of them every `pollMs` there and answers as
 * soon as the host serves exactly what is expected (these present, those absent), or after
 * `maxSeconds` so the controller can check its deadline. Replication latency is tens of
 * milliseconds when nothing contends; a poll from the controller (SSH channel + ldapsearch per
 * entry and host) cost more than the wait itself.
 */

/** What a host must serve: `present` entries there, `absent` ones gone (DNs). */
export interface Expected {
  present: string[];
  absent: string[];
}

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

export function awaitEntriesCommand(instance: string, suffix: string, want: Expected, pollMs: number, maxSeconds: number): string {
  const all = [...want.present, ...want.absent];
  const filter = `(|${all.map((dn) => `(cn=${filterValue(cnOf(dn))})`).join('')})`;
  const search = searchCommand(instance, suffix, 'one', filter, ['1.1']);
  // `dn: cn=<name>,` as ldapsearch prints it (no wrapping): fixed strings, case-insensitive.
  const line = (dn: string) => shq(`dn: cn=${cnOf(dn)},`);
  const tries = Math.max(1, Math.ceil((maxSeconds * 1000) / pollMs));
  return [
    `i=0; while :; do`,
    `out=$(${search}); rc=$?; [ $rc -ne 0 ] && [ $rc -ne 32 ] && exit $rc;`,
    `ok=1;`,
    ...want.present.map((dn) => `printf '%s\\n' "$out" | grep -qiF ${line(dn)} || ok=0;`),
    ...want.absent.map((dn) => `printf '%s\\n' "$out" | grep -qiF ${line(dn)} && ok=0;`),
    `[ $ok -eq 1 ] && break; i=$((i+1)); [ $i -ge ${tries} ] && break;`,
    `sleep ${(pollMs / 1000).toFixed(3)}; done; printf '%s\\n' "$out"`,
  ].join(' ');
}

/**
 * Which of the expected entries the host serves, once it serves exactly what is expected
 * (`done`) or when `deadline` passed. Normalized DNs.
 */
export async function awaitEntries(
  remote: RemoteHost,
  instance: string,
  suffix: string,
  want: Expected,
  deadline: number,
  opts: { pollMs: number; signal?: AbortSignal },
): Promise<{ served: Set<string>; done: boolean }> {
  const present = want.present.map(normalizeDn);
  const absent = want.absent.map(normalizeDn);
  for (;;) {
    const left = Math.max(0, deadline - Date.now());
    const command = awaitEntriesCommand(instance, suffix, want, opts.pollMs, Math.min(5, left / 1000));
    const r = await remote.exec(command, { signal: opts.signal, timeoutMs: 60_000 });
    if (r.code !== 0) {
      throw new ActionError(`${remote.name}: could not look for the proof entries in ${suffix} (${endOf(r)})`, { command, code: r.code, stdout: r.stdout, stderr: r.stderr });
    }
    const served = new Set(parseLdif(r.stdout).map((e) => normalizeDn(e.dn)).filter((dn) => present.includes(dn) || absent.includes(dn)));
    const done = present.every((dn) => served.has(dn)) && absent.every((dn) => !served.has(dn));
    if (done || Date.now() >= deadline) return { served, done };
  }
}
