/**
 * Messages between the main thread and the OpenPGP worker (pgp-worker.ts). Bytes cross as
 * transferred ArrayBuffers (moved, not copied); each side holds at most IN_FLIGHT unacknowledged
 * chunks, so a slow consumer stops the producer and memory stays flat whatever the backup's size.
 */
import type { CryptoError } from './errors.ts';

/** Chunks sent but not yet taken by the other side: 4 x ~1 MiB per direction. */
export const IN_FLIGHT = 4;

export type Job =
  | { t: 'encrypt'; recipient: Uint8Array }
  | { t: 'decrypt'; input: string; keyFile: string; passphrase?: string };

/** What either side sends once the job runs: bytes, "taken", end of bytes, or a stop. */
export type Flow = { t: 'data'; buf: ArrayBuffer } | { t: 'ack' } | { t: 'end' };

/** Worker to main only: the job is set up (keys checked), or it failed. */
export type Status = { t: 'ready' } | { t: 'error'; message: string; reason?: CryptoError['reason'] };

/**
 * One fresh ArrayBuffer holding these chunks back to back, to transfer. Always a copy: a stream's
 * chunk may be a view of a buffer someone else still reads (a pool, a tee), which a transfer would
 * empty under them. Joining small chunks (SFTP reads are 255 KiB) also means fewer messages.
 */
export function transferable(chunks: readonly Uint8Array[]): ArrayBuffer {
  const copy = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    copy.set(c, at);
    at += c.byteLength;
  }
  return copy.buffer;
}
