import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BACKUP_TYPES, type BackupType } from './naming.ts';
import { fileReason } from '../util/file-reason.ts';

/**
 * `header.json` sits in clear beside the payload (seed 001: "We will only encrypt the payload. The
 * header will be in the clear."), so a restore can check host, version and suffixes before anyone
 * types a passphrase.
 */
export const HEADER_FILE = 'header.json';
export const FORMAT_VERSION = 1;

export type BackupMethod = 'db2bak' | 'db2ldif-replication' | 'online';
export const BACKUP_METHODS: readonly BackupMethod[] = ['db2bak', 'db2ldif-replication', 'online'];

export interface BackupHeader {
  format: 'lifeboat-backup';
  formatVersion: number;
  type: BackupType;
  /** ISO 8601, UTC. */
  time: string;
  cluster: string;
  profile: string;
  /** Inventory name of the host the backup was taken on, and its own host name. */
  host: string;
  hostname: string;
  /** e.g. `2.3.1` (389-ds-base). */
  dsVersion: string;
  instance: string;
  suffixes: string[];
  /** Replica id per suffix, as the server itself reported it. */
  replicaIds: Record<string, number>;
  /** Roles of the backed-up host, and every role used in the cluster at backup time. */
  roles: string[];
  clusterRoles: string[];
  method: BackupMethod;
  /** Backend name per suffix (ldif2db needs it). */
  backends: Record<string, string>;
  encrypted: boolean;
  /** Present when encrypted: the recipient key's fingerprint (upper-case hex). */
  recipientFingerprint?: string;
  /** The file as stored in the backup directory (encrypted or not). */
  payload: { file: string; size: number; sha256: string };
  /** The tar archive itself, before encryption: what a restore must end up with. */
  archive: { size: number; sha256: string };
}

export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string' && v.length > 0;
const isStrArr: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNonNegInt: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const isSha: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isRecordOf =
  (inner: Check): Check =>
  (v) =>
    !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(inner);

/** Checks shape and meaning; every problem is reported at once, each naming its field. */
export function validateHeader(value: unknown, source = HEADER_FILE): BackupHeader {
  const problems: string[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BackupFormatError(`${source}: not a JSON object`);
  const h = value as Record<string, unknown>;
  const need = (field: string, ok: boolean, what: string) => {
    if (!ok) problems.push(`${field} must be ${what} (got ${JSON.stringify(h[field])})`);
  };
  need('format', h.format === 'lifeboat-backup', '"lifeboat-backup"');
  if (h.formatVersion !== FORMAT_VERSION) {
    problems.push(`formatVersion ${JSON.stringify(h.formatVersion)} is not supported (this Lifeboat reads version ${FORMAT_VERSION})`);
  }
  need('type', BACKUP_TYPES.includes(h.type as BackupType), BACKUP_TYPES.join(' or '));
  need('time', typeof h.time === 'string' && !Number.isNaN(Date.parse(h.time)) && h.time.endsWith('Z'), 'an ISO time in UTC');
  for (const f of ['cluster', 'profile', 'host', 'hostname', 'dsVersion', 'instance']) need(f, isStr(h[f]), 'a non-empty string');
  need('suffixes', isStrArr(h.suffixes) && (h.suffixes as string[]).length > 0, 'a non-empty list of DNs');
  need('replicaIds', isRecordOf(isNonNegInt)(h.replicaIds), 'a map of suffix to replica id');
  need('backends', isRecordOf(isStr)(h.backends), 'a map of suffix to backend name');
  need('roles', isStrArr(h.roles), 'a list of roles');
  need('clusterRoles', isStrArr(h.clusterRoles), 'a list of roles');
  need('method', BACKUP_METHODS.includes(h.method as BackupMethod), BACKUP_METHODS.join(', '));
  need('encrypted', typeof h.encrypted === 'boolean', 'true or false');
  if (h.encrypted === true) need('recipientFingerprint', typeof h.recipientFingerprint === 'string' && /^[0-9A-F]{40,64}$/.test(h.recipientFingerprint), 'the recipient key fingerprint');
  const p = h.payload as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') problems.push('payload must be { file, size, sha256 }');
  else {
    const expected = h.encrypted === true ? 'payload.tar.gpg' : 'payload.tar';
    if (p.file !== expected) problems.push(`payload.file must be ${expected} for an ${h.encrypted ? 'encrypted' : 'unencrypted'} backup (got ${JSON.stringify(p.file)})`);
    if (!isNonNegInt(p.size)) problems.push('payload.size must be a byte count');
    if (!isSha(p.sha256)) problems.push('payload.sha256 must be 64 hex digits');
  }
  const a = h.archive as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object' || !isNonNegInt(a.size) || !isSha(a.sha256)) problems.push('archive must be { size, sha256 }');
  if (problems.length) throw new BackupFormatError(`${source}: invalid backup header:\n  - ${problems.join('\n  - ')}`);
  return h as unknown as BackupHeader;
}

/** The parsed JSON of a backup's header file (any format), with the file's path for messages. */
export async function readHeaderJson(backupDir: string): Promise<{ file: string; json: unknown }> {
  const file = path.join(backupDir, HEADER_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BackupFormatError(`${file}: cannot read the backup header (${fileReason(e)}); is ${backupDir} a Lifeboat backup?`);
  }
  try {
    return { file, json: JSON.parse(text) };
  } catch (e) {
    throw new BackupFormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

export async function readHeader(backupDir: string): Promise<BackupHeader> {
  const { file, json } = await readHeaderJson(backupDir);
  return validateHeader(json, file);
}

/** Written last and atomically: a directory with a header is a complete backup. */
export async function writeHeader(backupDir: string, header: BackupHeader): Promise<string> {
  validateHeader(header, 'new header');
  const file = path.join(backupDir, HEADER_FILE);
  await writeFile(`${file}.part`, `${JSON.stringify(header, null, 2)}\n`, { mode: 0o644 });
  await rename(`${file}.part`, file);
  return file;
}
