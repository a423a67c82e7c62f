import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, rename, rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as openpgp from 'openpgp';
import { CryptoError } from './errors.ts';
import { formatKeyId, keyIds, readPrivateKeyFile, readPublicKeyFile, unlockPrivateKey } from './keys.ts';

/** 1 MiB chunks: measured as the sweet spot for openpgp throughput vs memory (DESIGN). */
export const CHUNK = 1 << 20;

export interface StreamResult {
  /** Plaintext bytes and their sha256 (hex): what the backup header records. */
  bytes: number;
  sha256: string;
}

function toWeb(stream: Readable): WebReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as WebReadableStream<Uint8Array>;
}

function fromWeb(stream: unknown): Readable {
  return Readable.fromWeb(stream as WebReadableStream<Uint8Array>, { highWaterMark: CHUNK });
}

/** Counts and hashes what passes through, so one read of the data gives both. */
export function hashingPassThrough(): Transform & { result(): StreamResult } {
  const hash = createHash('sha256');
  let bytes = 0;
  const t = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { result(): StreamResult };
  let digest: string | undefined;
  t.result = () => ({ bytes, sha256: (digest ??= hash.digest('hex')) });
  return t;
}

/** SEIPDv1 (with MDC), no AEAD, no compression: what `gpg --decrypt` 2.2 reads. */
const ENCRYPT_CONFIG: openpgp.PartialConfig = { aeadProtect: false };

/** Encrypts a Node stream for one recipient; the result is a Node stream of binary OpenPGP. */
export async function encryptStream(input: Readable, recipient: openpgp.PublicKey): Promise<Readable> {
  const message = await openpgp.createMessage({ binary: toWeb(input), format: 'binary' });
  const encrypted = await openpgp.encrypt({ message, encryptionKeys: recipient, format: 'binary', config: ENCRYPT_CONFIG });
  return fromWeb(encrypted);
}

/**
 * An Encoder (transport/types.ts) that encrypts what is downloaded for one recipient before it
 * reaches the file: fetch and encrypt overlap, and no clear copy touches the controller's disk.
 */
export function encryptingEncoder(recipient: openpgp.PublicKey) {
  return async (file: Writable): Promise<{ input: Writable; done: Promise<void> }> => {
    const input = new PassThrough({ highWaterMark: CHUNK });
    const encrypted = await encryptStream(input, recipient);
    return { input, done: pipeline(encrypted, file) };
  };
}

/**
 * Encrypts `input` into `output` (through `output.part`, renamed when complete). Returns the
 * plaintext size and sha256 and the recipient's fingerprint.
 */
export async function encryptFile(
  input: string,
  output: string,
  opts: { recipientKeyFile: string },
): Promise<StreamResult & { recipientFingerprint: string }> {
  await readable(input);
  const recipient = await readPublicKeyFile(opts.recipientKeyFile);
  const hasher = hashingPassThrough();
  const source = createReadStream(input, { highWaterMark: CHUNK });
  const part = `${output}.part`;
  try {
    const encrypted = await encryptStream(source.pipe(hasher), recipient);
    await pipeline(encrypted, createWriteStream(part, { mode: 0o600 }));
    await rename(part, output);
  } catch (e) {
    source.destroy();
    await rm(part, { force: true });
    throw e instanceof CryptoError ? e : new CryptoError(`encrypting ${input} failed: ${(e as Error).message}`, 'io');
  }
  return { ...hasher.result(), recipientFingerprint: formatKeyId(recipient.getFingerprint()) };
}

/** A missing or unreadable file is an I/O problem, not a damaged backup: say which. */
async function readable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    throw new CryptoError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  }
}

function corrupt(input: string, e: unknown): CryptoError {
  const why = (e as Error)?.message ?? String(e);
  return new CryptoError(`${input} is truncated or corrupt (integrity check failed: ${why})`, 'corrupt');
}

/**
 * Opens an encrypted file for streaming decryption after checking the key and passphrase. The
 * returned stream yields plaintext before it is authenticated: it errors at the end when the MDC
 * check fails, so consumers must write to a temporary place and keep it only if the stream ended
 * cleanly (decryptFile does this). openpgp's default would buffer the whole plaintext in memory
 * (3 GB RSS for a 1 GiB backup, DESIGN).
 */
export async function openDecryptStream(input: string, opts: { keyFile: string; passphrase?: string }): Promise<Readable> {
  await readable(input);
  const key = await readPrivateKeyFile(opts.keyFile);
  const source = createReadStream(input, { highWaterMark: CHUNK });
  let message: openpgp.Message<WebReadableStream<Uint8Array>>;
  try {
    message = (await openpgp.readMessage({ binaryMessage: toWeb(source) as never })) as never;
  } catch (e) {
    source.destroy();
    throw corrupt(input, e);
  }
  const wanted = message.getEncryptionKeyIDs().map((id) => formatKeyId(id.toHex()));
  const have = keyIds(key);
  const wildcard = wanted.every((id) => /^0+$/.test(id));
  if (wanted.length > 0 && !wildcard && !wanted.some((id) => have.includes(id))) {
    source.destroy();
    throw new CryptoError(
      // Key ids with key ids: the message names the (sub)key it was encrypted to, and every key id
      // of the given key; the fingerprint only says which key that is.
      `backup was encrypted for key id ${wanted.join(', ')}; the given key ${opts.keyFile} has key ids ${have.join(', ')} (none matches; its fingerprint is ${formatKeyId(key.getFingerprint())})`,
      'wrong-key',
    );
  }
  let unlocked: openpgp.PrivateKey;
  try {
    unlocked = await unlockPrivateKey(key as openpgp.PrivateKey, opts.keyFile, opts.passphrase);
  } catch (e) {
    source.destroy();
    throw e;
  }
  let data: unknown;
  try {
    ({ data } = await openpgp.decrypt({
      message,
      decryptionKeys: unlocked,
      format: 'binary',
      config: { allowUnauthenticatedStream: true },
    }));
  } catch (e) {
    source.destroy();
    const msg = (e as Error).message ?? '';
    if (/session key/i.test(msg)) {
      throw new CryptoError(`the key ${formatKeyId(key.getFingerprint())} cannot decrypt ${input}: ${msg}`, 'wrong-key');
    }
    throw corrupt(input, e);
  }
  const out = fromWeb(data);
  // Re-label late stream errors (MDC failure, truncation) so callers get one clear message.
  const relabel = new Transform({
    highWaterMark: CHUNK,
    transform(chunk, _enc, cb) {
      cb(null, chunk);
    },
  });
  out.on('error', (e) => relabel.destroy(corrupt(input, e)));
  relabel.on('close', () => {
    if (!out.destroyed) out.destroy();
  });
  return out.pipe(relabel);
}

/**
 * Decrypts `input` into `output`: streams into `output.part`, renames it into place only after the
 * integrity check at the end passed, deletes it otherwise. Memory stays ~O(chunk).
 */
export async function decryptFile(
  input: string,
  output: string,
  opts: { keyFile: string; passphrase?: string },
): Promise<StreamResult> {
  const part = `${output}.part`;
  const plain = await openDecryptStream(input, opts);
  const hasher = hashingPassThrough();
  try {
    await pipeline(plain, hasher, createWriteStream(part, { mode: 0o600 }));
    await rename(part, output);
  } catch (e) {
    await rm(part, { force: true });
    throw e instanceof CryptoError ? e : corrupt(input, e);
  }
  return hasher.result();
}
