/** ktbackup.sh's name: kts_bak_<fqdn with underscores>_<YYYY-MM-DD_HH-MM-SS> (seed 004), here in UTC. */
export function ktsBackupName(fqdn: string, time: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const t = `${time.getUTCFullYear()}-${p(time.getUTCMonth() + 1)}-${p(time.getUTCDate())}_${p(time.getUTCHours())}-${p(time.getUTCMinutes())}-${p(time.getUTCSeconds())}`;
  return `kts_bak_${fqdn.replace(/\./g, '_')}_${t}`;
}

/** The body of a keytrustee backup envelope (the profile's part of header.json). */
export interface KtsBackupBody {
  /** server: confdir + database (active or passive); kms: a client's confdir only. */
  kind: 'server' | 'kms';
  role: string;
  /** Base name of the archive inside the payload (ktbackup's name, `.tar`). */
  archiveName: string;
  confdir: string;
  /** Path of the dump inside the archive (absolute on the host), absent for kms. */
  sqlFile?: string;
  database?: string;
  dbPort?: number;
  /** The deposits just before the dump: a restore reports how many newer ones it will lose. */
  deposits?: { count: number; maxId: number; digest: string };
  pgVersion?: string;
}

export function checkKtsBody(body: unknown): string[] {
  const b = body as Partial<KtsBackupBody>;
  const problems: string[] = [];
  if (b.kind !== 'server' && b.kind !== 'kms') problems.push('kind must be "server" or "kms"');
  if (typeof b.archiveName !== 'string' || !/^kts_bak_[\w-]+\.tar$/.test(b.archiveName)) problems.push('archiveName must be kts_bak_<fqdn>_<time>.tar');
  if (typeof b.confdir !== 'string' || !b.confdir.startsWith('/')) problems.push('confdir must be an absolute path');
  if (b.kind === 'server') {
    if (typeof b.sqlFile !== 'string' || !b.sqlFile.startsWith('/')) problems.push('sqlFile must be an absolute path');
    if (typeof b.database !== 'string' || !b.database) problems.push('database must be a name');
    const d = b.deposits;
    if (!d || !Number.isInteger(d.count) || !Number.isInteger(d.maxId) || typeof d.digest !== 'string') problems.push('deposits must be { count, maxId, digest }');
  }
  return problems;
}
