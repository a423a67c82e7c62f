/**
 * The OpenPGP streaming itself, run inside the worker (pgp-worker.ts) so that it never competes with
 * SFTP for the main thread. stream.ts is the public face that hands this work to the worker.
 */
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as openpgp from 'openpgp';
import { CHUNK } from './chunk.ts';
import { CryptoError } from './errors.ts';
import { corrupt, readable } from './file-errors.ts';
import { formatKeyId, keyIds, readPrivateKeyFile, unlockPrivateKey } from './keys.ts';

function toWeb(stream: Readable): WebReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as WebReadableStream<Uint8Array>;
}

function fromWeb(stream: unknown): Readable {
  return Readable.fromWeb(stream as WebReadableStream<Uint8Array>, { highWaterMark: CHUNK });
}

/** SEIPDv1 (with MDC), no AEAD, no compression: what `gpg --decrypt` 2.2 reads. */
const ENCRYPT_CONFIG: openpgp.PartialConfig = { aeadProtect: false };

/** Encrypts a stream of plaintext for one recipient (a binary public key); yields binary OpenPGP. */
export async function encryptInThread(input: WebReadableStream<Uint8Array>, recipientKey: Uint8Array): Promise<Readable> {
  const recipient = await openpgp.readKey({ binaryKey: recipientKey });
  const message = await openpgp.createMessage({ binary: input, format: 'binary' });
  const encrypted = await openpgp.encrypt({ message, encryptionKeys: recipient, format: 'binary', config: ENCRYPT_CONFIG });
  return fromWeb(encrypted);
}

/**
 * Opens an encrypted file for streaming decryption after checking the key and passphrase (see
 * stream.ts's openDecryptStream for the contract: plaintext comes before it is authenticated).
 */
export async function openDecryptInThread(input: string, opts: { keyFile: string; passphrase?: string }): Promise<Readable> {
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
      // Without it openpgp buffers the whole plaintext to check the MDC first (3 GB RSS for 1 GiB).
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
