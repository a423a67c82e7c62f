/**
 * Backup directory names follow ipa-backup's convention (seed 000): `ipa-full-YYYY-MM-DD-HH-MM-SS`
 * in UTC, here `lifeboat-<type>-...`. Names sort in time order, which roll and "newest" rely on.
 */
export type BackupType = 'full' | 'data';
export const BACKUP_TYPES: readonly BackupType[] = ['full', 'data'];

const NAME_RE = /^lifeboat-(full|data)-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/;

const pad = (n: number) => String(n).padStart(2, '0');

export function backupDirName(type: BackupType, time: Date): string {
  const t = time;
  return `lifeboat-${type}-${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}-${pad(t.getUTCHours())}-${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}`;
}

/** The type and UTC time encoded in a backup directory name, or undefined for any other name. */
export function parseBackupDirName(name: string): { type: BackupType; time: Date } | undefined {
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const [, type, y, mo, d, h, mi, s] = m as unknown as [string, BackupType, string, string, string, string, string, string];
  const time = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  if (Number.isNaN(time.getTime()) || backupDirName(type, time) !== name) return undefined;
  return { type, time };
}
