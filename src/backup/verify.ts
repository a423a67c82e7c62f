import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHUNK, CryptoError, hashingPassThrough, openDecryptStream } from '../crypto/index.ts';
import { mask } from '../util/secrets.ts';
import { sha256File } from './checksum.ts';
import type { BackupEnvelope } from './envelope.ts';
import { listTarEntries, TarFormatError } from './tar-entries.ts';

/**
 * Verifies a stored backup without restoring it, as far as what is at hand allows:
 * - `sha256`: the stored payload matches the header (always);
 * - `archive`: the clear payload also streams as a tar of the expected layout and matches the
 *   header's archive sha256 (an unencrypted backup);
 * - `decrypt`: the same after stream-decrypting with the key (an encrypted one): proves the key
 *   opens it, the OpenPGP integrity check passes, and the bytes are the archive that was taken.
 * Nothing is written anywhere: the plaintext only passes through a hash and a tar header reader.
 */

export type VerifyHow = 'sha256' | 'archive' | 'decrypt';

/** What the clear payload of a backup must be; the profile (or the 389-ds header format) says. */
export type ArchiveLayout =
  | { kind: 'tar'; check(body: Record<string, unknown>, names: string[]): string[] }
  | { kind: 'opaque'; what: string };

export interface VerifyResult {
  ok: boolean;
  how: VerifyHow;
  /** Why it failed, or why it could go no further than `how` (e.g. no key given). */
  problem?: string;
  note?: string;
  /** Entries of the tar, when it was read. */
  entries?: number;
  /** Set when the key, not the backup, is at fault (wrong passphrase, not a key file). */
  keyProblem?: boolean;
}

export interface VerifyOptions {
  /** The private key and its passphrase: encrypted backups are decrypt-verified only with them. */
  key?: { file: string; passphrase?: string };
  layout?: ArchiveLayout;
}

const errText = (e: unknown) => mask(e instanceof Error ? e.message : String(e));

/** The deepest check the options allow, stopping at the first failure. Never throws for a bad backup. */
export async function verifyBackup(dir: string, env: BackupEnvelope, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const payload = join(dir, env.payload.file);
  try {
    const got = await sha256File(payload);
    if (got.size !== env.payload.size || got.sha256 !== env.payload.sha256) {
      return { ok: false, how: 'sha256', problem: `payload is ${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}…; the header says ${env.payload.size} bytes, ${env.payload.sha256.slice(0, 12)}… (truncated or corrupt)` };
    }
  } catch (e) {
    return { ok: false, how: 'sha256', problem: `payload unreadable: ${errText(e)}` };
  }
  if (opts.layout?.kind === 'opaque') return { ok: true, how: 'sha256', note: opts.layout.what };
  const encrypted = env.encryption.kind === 'openpgp';
  if (encrypted && !opts.key) return { ok: true, how: 'sha256', note: 'encrypted, not decrypted: no key given (`backup verify --key FILE` decrypt-verifies it)' };
  const how: VerifyHow = encrypted ? 'decrypt' : 'archive';

  let source: Readable;
  try {
    source = encrypted ? await openDecryptStream(payload, { keyFile: opts.key!.file, passphrase: opts.key!.passphrase }) : createReadStream(payload, { highWaterMark: CHUNK });
  } catch (e) {
    const keyProblem = e instanceof CryptoError && (e.reason === 'wrong-passphrase' || e.reason === 'bad-key-file');
    return { ok: false, how, problem: errText(e), ...(keyProblem ? { keyProblem } : {}) };
  }
  const hasher = hashingPassThrough();
  let names: string[] = [];
  try {
    await pipeline(source, hasher, async (clear: AsyncIterable<Buffer>) => {
      names = await listTarEntries(clear);
    });
  } catch (e) {
    source.destroy();
    const what = e instanceof TarFormatError ? `the clear payload is not a readable tar: ${e.message}` : e instanceof CryptoError ? e.message : `reading failed: ${errText(e)}`;
    return { ok: false, how, problem: mask(what) };
  }
  const r = hasher.result();
  if (r.bytes !== env.archive.size || r.sha256 !== env.archive.sha256) {
    return { ok: false, how, problem: `the clear archive is ${r.bytes} bytes, sha256 ${r.sha256.slice(0, 12)}…; the header says ${env.archive.size} bytes, ${env.archive.sha256.slice(0, 12)}…` };
  }
  const missing = opts.layout?.kind === 'tar' ? opts.layout.check(env.body, names) : [];
  if (missing.length) return { ok: false, how, problem: `the archive is not the expected kind: ${missing.join('; ')}`, entries: names.length };
  return { ok: true, how, entries: names.length };
}

/** One line for people: `decrypt-verified (12 tar entries)`, `FAILED (sha256): …`. */
export function verifyText(r: VerifyResult): string {
  const what = r.how === 'decrypt' ? 'decrypt-verified' : r.how === 'archive' ? 'archive verified' : 'sha256 verified';
  if (!r.ok) return `FAILED (${r.how}): ${r.problem}`;
  return `${what}${r.entries !== undefined ? ` (${r.entries} tar entries)` : ''}${r.note ? `; ${r.note}` : ''}`;
}
