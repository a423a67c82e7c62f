import type { BackupHeader } from '../../../../backup/index.ts';
import { normDn, versionProblem } from './facts.ts';

/** Backups these actions take and restore: IdM (`ipa`) is 389-ds underneath, same instance data. */
export const RESTORABLE_PROFILES = ['389ds', 'ipa'];

export interface RestoreTarget {
  host: string;
  instance: string;
  suffixes: string[];
  /** Undefined when only planning (the host is not asked). */
  dsVersion?: string;
  /** The inventory's cluster name. */
  cluster?: string;
}

/**
 * What stands between a backup and a restore target. `refuse` cannot be overridden; `forceable`
 * can with `force: true` (seed 001: "We will prevent full restores on a different host"; seed 003:
 * a restore compatibility window, overridable with --force).
 */
export function restoreProblems(h: BackupHeader, t: RestoreTarget): { refuse: string[]; forceable: string[] } {
  const refuse: string[] = [];
  const forceable: string[] = [];
  if (!RESTORABLE_PROFILES.includes(h.profile)) refuse.push(`the backup was made by profile ${h.profile}; these actions restore ${RESTORABLE_PROFILES.join(' and ')} backups`);
  const have = new Set(t.suffixes.map(normDn));
  const missing = h.suffixes.filter((s) => !have.has(normDn(s)));
  if (t.suffixes.length && missing.length) refuse.push(`${t.host} does not hold suffix(es) ${missing.join(', ')} from the backup (it holds ${t.suffixes.join(', ')})`);
  // bak2db replaces every backend: one the backup lacks comes back empty (seen on a lab: o=extra
  // held by ds2..ds4, backed up on ds5, restored on ds2: empty, its replica broken, its server died).
  const inBackup = new Set(h.suffixes.map(normDn));
  for (const s of t.suffixes.filter((x) => !inBackup.has(normDn(x)))) {
    refuse.push(`${t.host} holds ${s}, which the backup (taken on ${h.host}) does not: restoring it would leave ${s} empty on ${t.host} (a database restore replaces every backend) and the re-initialization would carry that to every replica of ${s}; back up a host that holds every suffix of the topology, or choose a master whose suffixes the backup holds`);
  }
  if (h.type === 'full' && h.host !== t.host) forceable.push(`a full backup is restored on the host it came from (${h.host}), not on ${t.host}`);
  // A path given by hand can point into another cluster's store (same instance and suffix names are common).
  if (t.cluster && h.cluster !== t.cluster) forceable.push(`the backup is of cluster ${h.cluster}, this inventory is cluster ${t.cluster}: restoring it would replace this cluster's data with another's`);
  if (h.instance !== t.instance) forceable.push(`the backup is of instance ${h.instance}, ${t.host} runs ${t.instance}`);
  if (t.dsVersion) {
    const v = versionProblem(h.dsVersion, t.dsVersion);
    if (v) forceable.push(v);
  }
  return { refuse, forceable };
}
