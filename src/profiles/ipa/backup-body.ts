import type { IpaBackupHeader } from './ipa-header.ts';
import type { ArchiveLayout } from '../../backup/verify.ts';

/**
 * The body of a backup envelope (src/backup/envelope.ts, format 2) made by ipa.backup.create: the
 * payload is the directory ipa-backup wrote (its `header` and ipa-{full,data}.tar[.gpg]), packed
 * as payload.tar; the body says what ipa-backup said about it.
 */
export interface IpaBackupBody {
  method: 'ipa-backup';
  type: 'full' | 'data';
  /** The directory name under /var/lib/ipa/backup, e.g. ipa-data-2026-11-30-12-14-23. */
  dir: string;
  /** ipa-full.tar, ipa-data.tar, or either with .gpg (ipa-backup --gpg encrypted it on the host). */
  archive: string;
  header: IpaBackupHeader;
  /** Inventory roles of the backed-up host and of the whole cluster at backup time. */
  roles: string[];
  clusterRoles: string[];
  /**
   * FQDNs of IdM's servers (cn=masters) when the backup was made. A server that joined later is
   * unknown to the restored data: it cannot be re-initialized, only reinstalled (ipa-restore(1)).
   * Absent in backups made before Lifeboat recorded it.
   */
  servers?: string[];
}

export function isIpaBackupBody(body: unknown): body is IpaBackupBody {
  return !!body && typeof body === 'object' && (body as Record<string, unknown>).method === 'ipa-backup';
}

const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const strs = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Problems of an ipa-backup body (empty = fine); other bodies are not this module's to judge. */
export function checkIpaBackupBody(body: unknown): string[] {
  if (!isIpaBackupBody(body)) return [];
  const b = body as unknown as Record<string, unknown>;
  const h = b.header as Record<string, unknown> | undefined;
  const out: string[] = [];
  if (b.type !== 'full' && b.type !== 'data') out.push('type must be full or data');
  if (!str(b.dir) || !/^ipa-(full|data)-\d{4}(-\d\d){5}$/.test(String(b.dir))) out.push('dir must be an ipa-backup directory name (ipa-full-… or ipa-data-…)');
  if (!str(b.archive) || !/^ipa-(full|data)\.tar(\.gpg)?$/.test(String(b.archive))) out.push('archive must be ipa-full.tar or ipa-data.tar, optionally .gpg');
  if (!h || (h.type !== 'FULL' && h.type !== 'DATA') || !str(h.host) || !str(h.time) || typeof h.ipaVersion !== 'string' || !str(h.formatVersion) || !strs(h.services)) {
    out.push('header must be { type, time, host, ipaVersion, formatVersion, services } as ipa-backup wrote them');
  } else if (String(h.type).toLowerCase() !== b.type) out.push(`header type ${String(h.type)} does not match type ${String(b.type)}`);
  if (!strs(b.roles) || !strs(b.clusterRoles)) out.push('roles and clusterRoles must be lists of roles');
  if (b.servers !== undefined && !strs(b.servers)) out.push('servers must be a list of FQDNs');
  return out;
}

/** One line for `backup list`: what ipa-backup made, and whether ipa-backup itself encrypted it. */
export function describeIpaBackupBody(b: Record<string, unknown>): string {
  const header = (b.header ?? {}) as Record<string, unknown>;
  const archive = String(b.archive ?? '');
  const version = header.ipaVersion ? ` of IPA ${String(header.ipaVersion)}` : '';
  const sealed = archive.endsWith('.gpg') ? 'encrypted by ipa-backup --gpg' : 'not encrypted';
  return `ipa-backup ${String(b.type ?? '?')}${version}, ${sealed}`;
}

/** What ipa.backup.create packs: the ipa-backup directory with its `header` and its archive. */
export const archiveLayoutIpa: ArchiveLayout = {
  kind: 'tar',
  check(body, names) {
    if (!isIpaBackupBody(body)) return [];
    return [`${body.dir}/header`, `${body.dir}/${body.archive}`].filter((n) => !names.includes(n)).map((n) => `no ${n}`);
  },
};
