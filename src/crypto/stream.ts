import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as openpgp from 'openpgp';
import { CHUNK } from './chunk.ts';
import { CryptoError } from './errors.ts';
import { formatKeyId, readPublicKeyFile } from './keys.ts';
import { corrupt, readable } from './file-errors.ts';
import { startWorkerJob } from './worker-client.ts';

export { CHUNK };

export interface StreamResult {
  /** Plaintext bytes and their sha256 (hex): what the backup header records. */
  bytes: number;
  sha256: string;
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

/**
 * Encrypts a Node stream for one recipient; the result is a Node stream of binary OpenPGP. The
 * OpenPGP work runs on a worker thread (pgp-worker.ts), so it overlaps with the main thread's SFTP.
 */
export async function encryptStream(input: Readable, recipient: openpgp.PublicKey): Promise<Readable> {
  const job = startWorkerJob({ t: 'encrypt', recipient: recipient.write() });
  await job.ready;
  pipeline(input, job.input).catch((e: Error) => job.output.destroy(e));
  return job.output;
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

/**
 * Opens an encrypted file for streaming decryption after checking the key and passphrase. The
 * returned stream yields plaintext before it is authenticated: it errors at the end when the MDC
 * check fails, so consumers must write to a temporary place and keep it only if the stream ended
 * cleanly (decryptFile does this). openpgp's default would buffer the whole plaintext in memory
 * (3 GB RSS for a 1 GiB backup, DESIGN).
 *
 * Decryption runs on this thread by default: alone it has the thread to itself, and a worker costs
 * a second heap. `onWorker` is for a pipeline whose consumer also works on this thread (restore's
 * decrypt+upload: the SSH channel and the hash of what is sent), so the two overlap instead of
 * taking turns: 1 GiB in one process at load 4–6, 171–174 vs 140–150 MB/s, peak RSS 200–213 vs
 * 144–149 MiB (221 MiB at 4 GiB). Same errors.
 */
export async function openDecryptStream(input: string, opts: { keyFile: string; passphrase?: string; onWorker?: boolean }): Promise<Readable> {
  if (opts.onWorker) {
    const job = startWorkerJob({ t: 'decrypt', input, keyFile: opts.keyFile, passphrase: opts.passphrase });
    await job.ready;
    return job.output;
  }
  // Loaded here so that commands which never decrypt never load openpgp.
  const { openDecryptInThread } = await import('./pgp-streams.ts');
  return openDecryptInThread(input, opts);
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
