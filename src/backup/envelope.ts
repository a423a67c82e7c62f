import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BackupFormatError, HEADER_FILE, readHeaderJson, validateHeader, type BackupHeader } from './header.ts';

/**
 * Format 2 of `header.json`: an envelope every profile shares (what, where, when, which bytes,
 * how encrypted, by which Lifeboat) around a body only the profile reads. Format 1 (the 389-ds
 * header) still reads: its 389-ds fields become the body.
 */
export const ENVELOPE_VERSION = 2;

export interface BackupEnvelope {
  format: 'lifeboat-backup';
  formatVersion: number;
  profile: string;
  cluster: string;
  /** Inventory name of the host, and the host's own name (FQDN). */
  host: string;
  hostname: string;
  /** ISO 8601, UTC. */
  time: string;
  /** The stored file (basename, in the backup directory), encrypted or not. */
  payload: { file: string; size: number; sha256: string };
  /** The clear archive: what a restore must end up with after decryption. */
  archive: { size: number; sha256: string };
  encryption: { kind: 'openpgp'; recipientFingerprint: string } | { kind: 'none' };
  toolVersion: string;
  /** Owned by the profile (src/profiles/<name>/). */
  body: Record<string, unknown>;
}

const isStr = (v: unknown) => typeof v === 'string' && v.length > 0;
const isSha = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** Shape of the envelope; the body is checked by `checkBody` (the profile's). */
export function validateEnvelope(value: unknown, source: string, checkBody?: (body: unknown) => string[]): BackupEnvelope {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BackupFormatError(`${source}: not a JSON object`);
  const h = value as Record<string, unknown>;
  if (h.formatVersion === 1) return fromV1(validateHeader(h, source));
  const problems: string[] = [];
  if (h.format !== 'lifeboat-backup') problems.push(`format must be "lifeboat-backup" (got ${JSON.stringify(h.format)})`);
  if (h.formatVersion !== ENVELOPE_VERSION) problems.push(`formatVersion ${JSON.stringify(h.formatVersion)} is not supported (this Lifeboat reads 1 and ${ENVELOPE_VERSION})`);
  for (const f of ['profile', 'cluster', 'host', 'hostname', 'toolVersion']) if (!isStr(h[f])) problems.push(`${f} must be a non-empty string`);
  if (!(typeof h.time === 'string' && h.time.endsWith('Z') && !Number.isNaN(Date.parse(h.time)))) problems.push('time must be an ISO time in UTC');
  const p = h.payload as Record<string, unknown> | undefined;
  if (!p || !isStr(p.file) || path.basename(String(p.file)) !== p.file || !isCount(p.size) || !isSha(p.sha256)) problems.push('payload must be { file (a base name), size, sha256 }');
  const a = h.archive as Record<string, unknown> | undefined;
  if (!a || !isCount(a.size) || !isSha(a.sha256)) problems.push('archive must be { size, sha256 }');
  const e = h.encryption as Record<string, unknown> | undefined;
  if (!e || !((e.kind === 'openpgp' && typeof e.recipientFingerprint === 'string' && /^[0-9A-F]{40,64}$/.test(e.recipientFingerprint)) || e.kind === 'none')) {
    problems.push('encryption must be { kind: "openpgp", recipientFingerprint } or { kind: "none" }');
  }
  if (!h.body || typeof h.body !== 'object' || Array.isArray(h.body)) problems.push('body must be an object');
  else if (checkBody) problems.push(...checkBody(h.body).map((m) => `body: ${m}`));
  if (problems.length) throw new BackupFormatError(`${source}: invalid backup header:\n  - ${problems.join('\n  - ')}`);
  return h as unknown as BackupEnvelope;
}

/** A format-1 (389-ds) header seen as an envelope: the 389-ds fields are its body. */
export function fromV1(h: BackupHeader): BackupEnvelope {
  const { format, formatVersion, profile, cluster, host, hostname, time, payload, archive, encrypted, recipientFingerprint, ...body } = h;
  return {
    format, formatVersion, profile, cluster, host, hostname, time, payload, archive,
    encryption: encrypted && recipientFingerprint ? { kind: 'openpgp', recipientFingerprint } : { kind: 'none' },
    toolVersion: 'unknown (format 1)',
    body: body as Record<string, unknown>,
  };
}

export async function readEnvelope(backupDir: string, checkBody?: (body: unknown) => string[]): Promise<BackupEnvelope> {
  const { file, json } = await readHeaderJson(backupDir);
  return validateEnvelope(json, file, checkBody);
}

/** Written last and atomically: a directory with a header is a complete backup. */
export async function writeEnvelope(backupDir: string, env: BackupEnvelope, checkBody?: (body: unknown) => string[]): Promise<string> {
  validateEnvelope(env, 'new header', checkBody);
  const file = path.join(backupDir, HEADER_FILE);
  await writeFile(`${file}.part`, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o644 });
  await rename(`${file}.part`, file);
  return file;
}

/** The package version, for `toolVersion`. */
export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `lifeboat ${pkg.version}`;
}
