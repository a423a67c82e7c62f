import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Inventory } from '../inventory/types.ts';
import { readEnvelope, type BackupEnvelope } from './envelope.ts';
import { readHeader, type BackupHeader } from './header.ts';
import { backupDirName, parseBackupDirName, type BackupType } from './naming.ts';

/**
 * The controller-side store: `<root>/<cluster>/lifeboat-<type>-YYYY-MM-DD-HH-MM-SS/` holding
 * `header.json` and `payload.tar` or `payload.tar.gpg`.
 */

/** Explicit dir > inventory var `backup_dir` (relative to the inventory file) > `./backups`. */
export function resolveBackupRoot(inv: Pick<Inventory, 'file' | 'vars'>, explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const v = inv.vars.backup_dir;
  if (typeof v === 'string' && v) return path.resolve(path.dirname(inv.file), v);
  return path.resolve('backups');
}

export function clusterDir(root: string, cluster: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(cluster) || cluster.startsWith('.')) throw new Error(`cluster name ${JSON.stringify(cluster)} cannot name a directory`);
  return path.join(root, cluster);
}

/** Creates the directory for a new backup; a name clash (same second) waits for the next second. */
export async function createBackupDir(root: string, cluster: string, type: BackupType, now = new Date()): Promise<{ dir: string; time: Date }> {
  const parent = clusterDir(root, cluster);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  let time = new Date(Math.floor(now.getTime() / 1000) * 1000);
  for (let i = 0; i < 5; i++) {
    const dir = path.join(parent, backupDirName(type, time));
    try {
      await mkdir(dir, { mode: 0o700 });
      return { dir, time };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      time = new Date(time.getTime() + 1000);
    }
  }
  throw new Error(`cannot create a unique backup directory under ${parent}`);
}

export interface BackupListing {
  dir: string;
  name: string;
  type: BackupType;
  time: Date;
  /** Undefined when the header is missing or invalid (then `problem` says why). */
  header?: BackupHeader;
  /** Format-2 headers (every profile's envelope); format 1 sets both. */
  envelope?: BackupEnvelope;
  problem?: string;
}

/** Backups of one cluster, oldest first. Directories with other names are ignored. */
export async function listBackups(root: string, cluster: string): Promise<BackupListing[]> {
  const parent = clusterDir(root, cluster);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: BackupListing[] = [];
  for (const name of names.sort()) {
    const parsed = parseBackupDirName(name);
    if (!parsed) continue;
    const dir = path.join(parent, name);
    const item: BackupListing = { dir, name, ...parsed };
    try {
      item.envelope = await readEnvelope(dir);
      if (item.envelope.formatVersion === 1) item.header = await readHeader(dir);
    } catch (e) {
      item.problem = (e as Error).message;
    }
    out.push(item);
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * Keeps the newest `keep` complete backups of a type (ktbackup `--roll=n`, seed 004): `keep` 1
 * deletes every other one. The newest is never deleted; incomplete directories (no valid header)
 * are left alone, they may belong to a backup still being written.
 */
export async function rollBackups(root: string, cluster: string, type: BackupType, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`roll must be a whole number >= 1 (got ${keep})`);
  const complete = (await listBackups(root, cluster)).filter((b) => b.type === type && b.envelope);
  const doomed = complete.slice(0, Math.max(0, complete.length - keep));
  for (const b of doomed) await rm(b.dir, { recursive: true, force: true });
  return doomed.map((b) => b.dir);
}
