import type { RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { attr, ldapSearch, searchCommand } from '../ldap.ts';
import { FACTS_COMMAND } from './commands.ts';

/** What a backup header records about the server, read from the server itself. */
export interface ServerFacts {
  hostname: string;
  dsVersion: string;
  /** Backend name per suffix (normalized DN -> backend). */
  backends: Record<string, string>;
  /** Replica id per replicated suffix. */
  replicaIds: Record<string, number>;
}

/** DNs compared case- and space-insensitively (`dc=Lab, dc=test` is `dc=lab,dc=test`). */
export function normDn(dn: string): string {
  return dn
    .split(',')
    .map((rdn) => rdn.trim().toLowerCase())
    .join(',');
}

export async function hostVersion(remote: RemoteHost, signal?: AbortSignal): Promise<{ hostname: string; dsVersion: string }> {
  const r = await remote.exec(FACTS_COMMAND, { signal, timeoutMs: 30_000 });
  const [hostname = '', dsVersion = ''] = r.stdout.trim().split('\n').map((l) => l.trim());
  if (r.code !== 0 || !dsVersion) {
    throw new ActionError(`${remote.name}: cannot read the 389-ds version (is 389-ds-base installed?)`, { command: FACTS_COMMAND, code: r.code, stdout: r.stdout, stderr: r.stderr });
  }
  return { hostname, dsVersion };
}

const BACKENDS_SEARCH = ['cn=ldbm database,cn=plugins,cn=config', 'one', '(objectClass=nsBackendInstance)', ['cn', 'nsslapd-suffix']] as const;

/** The search serverBackends runs, as `plan` shows it. */
export function serverBackendsCommand(instance: string): string {
  const [base, scope, filter, attrs] = BACKENDS_SEARCH;
  return searchCommand(instance, base, scope, filter, [...attrs]);
}

/** Backend name per suffix (normalized DN), over LDAPI (the server must be running). */
export async function serverBackends(remote: RemoteHost, instance: string, signal?: AbortSignal): Promise<Record<string, string>> {
  const backends: Record<string, string> = {};
  const [base, scope, filter, attrs] = BACKENDS_SEARCH;
  for (const e of await ldapSearch(remote, instance, base, scope, filter, [...attrs], { signal })) {
    const suffix = attr(e, 'nsslapd-suffix');
    const cn = attr(e, 'cn');
    if (suffix && cn) backends[normDn(suffix)] = cn;
  }
  return backends;
}

async function replicaIdsOf(remote: RemoteHost, instance: string, signal?: AbortSignal): Promise<Record<string, number>> {
  const replicaIds: Record<string, number> = {};
  for (const e of await ldapSearch(remote, instance, 'cn=mapping tree,cn=config', 'sub', '(objectClass=nsds5replica)', ['nsDS5ReplicaRoot', 'nsDS5ReplicaId'], { signal })) {
    const root = attr(e, 'nsds5replicaroot');
    const id = attr(e, 'nsds5replicaid');
    if (root && id !== undefined) replicaIds[normDn(root)] = Number(id);
  }
  return replicaIds;
}

/** Version, backends and replica ids, over LDAPI (the server must be running); the three reads side by side. */
export async function serverFacts(remote: RemoteHost, instance: string, signal?: AbortSignal): Promise<ServerFacts> {
  const [base, backends, replicaIds] = await Promise.all([hostVersion(remote, signal), serverBackends(remote, instance, signal), replicaIdsOf(remote, instance, signal)]);
  return { ...base, backends, replicaIds };
}

/** `2.3.1` -> [2, 3, 1]; anything after the numbers (e.g. `.el9`) is ignored. */
export function parseVersion(v: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return [];
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/**
 * Restore compatibility window (seed 003): the same major version, and the target no older than
 * the backup and at most three minor versions newer.
 */
export function versionProblem(backup: string, target: string): string | undefined {
  const b = parseVersion(backup);
  const t = parseVersion(target);
  if (b.length === 0 || t.length === 0) return `cannot compare 389-ds versions ${backup} and ${target}`;
  if (b[0] !== t[0]) return `the backup is from 389-ds ${backup}, the host runs ${target} (another major version)`;
  const diff = (t[1] ?? 0) - (b[1] ?? 0);
  if (diff < 0) return `the backup is from 389-ds ${backup}, newer than the host's ${target}`;
  if (diff > 3) return `the backup is from 389-ds ${backup}, more than three minor versions older than the host's ${target}`;
  return undefined;
}
