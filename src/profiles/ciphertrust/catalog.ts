import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clusterDir, parseBackupDirName, type BackupType } from '../../backup/index.ts';
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

export interface CtmEnvelope {
  format: 'lifeboat-backup';
  formatVersion: 2;
  profile: 'ciphertrust';
  cluster: string;
  host: string;
  hostname: string;
  time: string;
  payload: { file: string; size: number; sha256: string };
  archive: { size: number; sha256: string };
  /** Lifeboat adds none: the product already encrypted the payload with the backup key (`body.backupKey`). */
  encryption: { kind: 'none' };
  toolVersion: string;
  body: CtmBackupBody;
}

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

export async function writeCtmHeader(dir: string, env: CtmEnvelope): Promise<void> {
  const problems = checkCtmBody(env.body);
  if (problems.length) throw new Error(`new header: ${problems.join('; ')}`);
  const file = path.join(dir, 'header.json');
  await writeFile(`${file}.part`, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o644 });
  await rename(`${file}.part`, file);
}

export interface CtmListing {
  dir: string;
  name: string;
  time: Date;
  env?: CtmEnvelope;
  problem?: string;
}

/** The cluster's CipherTrust backups, oldest first; other profiles' and unreadable ones carry `problem`. */
export async function listCtmBackups(root: string, cluster: string): Promise<CtmListing[]> {
  const parent = clusterDir(root, cluster);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: CtmListing[] = [];
  for (const name of names.sort()) {
    const parsed = parseBackupDirName(name);
    if (!parsed) continue;
    const dir = path.join(parent, name);
    const item: CtmListing = { dir, name, time: parsed.time };
    try {
      const env = JSON.parse(await readFile(path.join(dir, 'header.json'), 'utf8')) as CtmEnvelope;
      const problems = env.profile === 'ciphertrust' ? checkCtmBody(env.body) : [`a ${env.profile} backup`];
      if (problems.length) item.problem = problems.join('; ');
      else item.env = env;
    } catch (e) {
      item.problem = (e as Error).message;
    }
    out.push(item);
  }
  return out;
}

/** Keeps the newest `keep` complete backups of a scope; incomplete directories are left alone. */
export async function rollCtmBackups(root: string, cluster: string, scope: Scope, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`roll must be a whole number >= 1 (got ${keep})`);
  const complete = (await listCtmBackups(root, cluster)).filter((b) => b.env?.body.scope === scope);
  const doomed = complete.slice(0, Math.max(0, complete.length - keep));
  for (const b of doomed) await rm(b.dir, { recursive: true, force: true });
  return doomed.map((b) => b.dir);
}
