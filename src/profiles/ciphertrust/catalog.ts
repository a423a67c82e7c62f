import type { ArchiveLayout } from '../../backup/verify.ts';
import { listBackups, rollBackups, writeEnvelope, type BackupEnvelope, type BackupType } from '../../backup/index.ts';
import { SCOPES, type Scope } from './api-paths.ts';

/**
 * A CipherTrust backup in the controller catalog: `backups/<cluster>/lifeboat-<full|data>-<time>/`
 * with `backup.bin` (the file the node wrote, already encrypted by its backup key), optionally
 * `backupkey.bin` (the key file, protected by the backup_key_password secret) and `header.json`
 * written last: the common envelope (format 2) with this profile's body.
 */
export const PAYLOAD_FILE = 'backup.bin';
export const KEY_FILE = 'backupkey.bin';

export interface CtmBackupBody {
  scope: Scope;
  /** Id of the backup on the node that made it (kept across upload to another node). */
  backupId: string;
  /** Release of the node that made it: the restore window starts here. */
  release: string;
  backupKey: string;
  description: string;
  tiedToHsm: boolean;
  domain?: string;
  /** The exported backup key, when it was saved with the backup. */
  keyFile?: { file: string; size: number; sha256: string };
}

/** The common envelope, narrowed to what this profile writes. */
export type CtmEnvelope = Omit<BackupEnvelope, 'formatVersion' | 'profile' | 'encryption' | 'body'> & {
  formatVersion: 2;
  profile: 'ciphertrust';
  /** Lifeboat adds none: the product already encrypted the payload with the backup key (`body.backupKey`). */
  encryption: { kind: 'none' };
  body: CtmBackupBody;
};

export const typeOfScope = (s: Scope): BackupType => (s === 'system' ? 'full' : 'data');

/** Problems with the profile-owned body (empty = fine). */
export function checkCtmBody(body: unknown): string[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const p: string[] = [];
  if (!SCOPES.includes(b.scope as Scope)) p.push(`scope must be system or domain (got ${JSON.stringify(b.scope)})`);
  for (const f of ['backupId', 'release', 'backupKey']) if (typeof b[f] !== 'string' || !b[f]) p.push(`${f} must be a non-empty string`);
  if (typeof b.tiedToHsm !== 'boolean') p.push('tiedToHsm must be true or false');
  return p;
}

/** Written last and atomically through the common envelope writer: a directory with a header is complete. */
export async function writeCtmHeader(dir: string, env: CtmEnvelope): Promise<void> {
  await writeEnvelope(dir, env as unknown as BackupEnvelope, checkCtmBody);
}

export interface CtmListing {
  dir: string;
  name: string;
  time: Date;
  env?: CtmEnvelope;
  problem?: string;
}

/** The cluster's CipherTrust backups, oldest first; other profiles' and unreadable ones carry `problem`. */
/** The product encrypted the file with its backup key; only CipherTrust opens it, so its sha256 is what can be checked here. */
export const CTM_ARCHIVE_LAYOUT: ArchiveLayout = { kind: 'opaque', what: 'a CipherTrust backup only the product can open (its sha256 is what can be checked here)' };

export async function listCtmBackups(root: string, cluster: string): Promise<CtmListing[]> {
  return (await listBackups(root, cluster)).map((b) => {
    const item: CtmListing = { dir: b.dir, name: b.name, time: b.time };
    const problems = !b.envelope ? [b.problem ?? 'no header'] : b.envelope.profile !== 'ciphertrust' ? [`a ${b.envelope.profile} backup`] : checkCtmBody(b.envelope.body);
    if (problems.length) item.problem = problems.join('; ');
    else item.env = b.envelope as unknown as CtmEnvelope;
    return item;
  });
}

/** Keeps the newest `keep` complete backups of a scope (`roll`); incomplete directories are left alone. */
export function rollCtmBackups(root: string, cluster: string, scope: Scope, keep: number): Promise<string[]> {
  return rollBackups(root, cluster, typeOfScope(scope), keep);
}
