/**
 * Streaming SFTP transfers with sha256 on both ends. Pipelined requests of 261120 bytes (the
 * largest an OpenSSH server takes) with up to 64 in flight: ~0.9x scp here, where ssh2's
 * defaults reach a third of that. Data lands in a temporary name and is renamed once verified.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import type { Encoder, GetOptions, TransferResult } from './types.ts';
import { openSftp, type Connection } from './channel.ts';
import { execOn } from './exec.ts';
import { shellQuote } from './shell-quote.ts';
import type { BecomeMode } from './remote-command.ts';

export const CHUNK = 261120;
export const IN_FLIGHT = 64;
/**
 * Reads in flight when the download feeds an encoder (fetch+encrypt): encryption, not the network,
 * sets the pace there, and each read in flight costs peak RSS (1 GiB fetch+encrypt in one process:
 * 254–269 MiB with 64, 230–242 with 32, 222–223 with 16). 16 x 255 KiB still carry OpenPGP's
 * ~200 MB/s up to ~20 ms of round trip.
 */
export const PACED_READS = 16;

/**
 * Remote sha256 of stdin, first field of the output. openssl uses the CPU's SHA instructions
 * (~1.5 GB/s here); coreutils sha256sum does not (~200 MB/s) and would dominate a transfer.
 */
const remoteSha256 = (fileWord: string) =>
  `{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < ${fileWord} | cut -d" " -f1`;

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

async function withSftp<T>(conn: Connection, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
  const release = await conn.channels.acquire();
  try {
    const sftp = await openSftp(conn);
    try {
      return await fn(sftp);
    } finally {
      sftp.end();
    }
  } finally {
    release();
  }
}

export interface PutOptions {
  mode?: number;
  signal?: AbortSignal;
}

export async function putFile(conn: Connection, local: string | Readable, remotePath: string, opts: PutOptions = {}, become?: BecomeMode): Promise<TransferResult> {
  const started = performance.now();
  // Under become SFTP runs as the login user: stage in its home, then sudo moves it into place.
  const part = become ? `.lifeboat-upload-${randomBytes(6).toString('hex')}.part` : `${remotePath}.lifeboat-part`;
  const mode = opts.mode ?? 0o644;
  let sent: { bytes: number; sha256: string };
  try {
    sent = await withSftp(conn, (sftp) => uploadStream(sftp, local, part, mode, opts.signal));
  } catch (err) {
    await withSftp(conn, (sftp) => sftpCall<void>((cb) => sftp.unlink(part, (e) => cb(e, undefined)))).catch(() => undefined);
    throw err;
  }
  const script =
    `p=${shellQuote(part)}; f=${shellQuote(remotePath)}; ` +
    `h=$(${remoteSha256('"$p"')}) && [ -n "$h" ] || { rm -f "$p"; exit 4; }; ` +
    `if [ "$h" != ${sent.sha256} ]; then rm -f "$p"; echo "sha256 mismatch: remote $h" >&2; exit 3; fi; ` +
    `chmod ${mode.toString(8)} "$p" && ${become ? 'chown 0:0 "$p" && ' : ''}mv -f "$p" "$f"`;
  const res = await execOn(conn, script, { signal: opts.signal }, become);
  if (res.code !== 0) {
    throw new TransferError(`upload to ${conn.name}:${remotePath} not verified: ${res.stderr.trim() || `exit ${res.code}`}`);
  }
  return { ...sent, durationMs: performance.now() - started };
}

async function uploadStream(sftp: SFTPWrapper, local: string | Readable, remote: string, mode: number, signal?: AbortSignal) {
  const source = typeof local === 'string' ? createReadStream(local, { highWaterMark: 4 * CHUNK }) : local;
  const handle = await sftpCall<Buffer>((cb) => sftp.open(remote, 'w', { mode }, cb));
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let ended = false;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        source.destroy();
        reject(err);
      };
      const onAbort = () => fail(new TransferError('upload aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const maybeDone = () => {
        if (ended && inFlight === 0 && !failed) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      };
      source.on('data', (data: Buffer | string) => {
        if (failed) return;
        const buf = typeof data === 'string' ? Buffer.from(data) : data;
        hash.update(buf);
        for (let off = 0; off < buf.length; off += CHUNK) {
          const len = Math.min(CHUNK, buf.length - off);
          const position = bytes;
          bytes += len;
          inFlight++;
          sftp.write(handle, buf, off, len, position, (err) => {
            inFlight--;
            if (err) return fail(err);
            if (inFlight < IN_FLIGHT && source.isPaused()) source.resume();
            maybeDone();
          });
        }
        if (inFlight >= IN_FLIGHT) source.pause();
      });
      source.on('error', fail);
      source.on('end', () => {
        ended = true;
        maybeDone();
      });
      if (signal?.aborted) onAbort();
    });
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => undefined);
  }
  return { bytes, sha256: hash.digest('hex') };
}

export async function getFile(conn: Connection, remotePath: string, localPath: string, opts: GetOptions = {}, become?: BecomeMode): Promise<TransferResult> {
  if (!become) return getVerified(conn, remotePath, remotePath, localPath, opts);
  // Under become the login user may not read the file: sudo copies it to a temporary file the
  // login user owns, which is downloaded and removed.
  const stage = await execOn(
    conn,
    `t=$(mktemp /tmp/lifeboat-get.XXXXXX) && cat -- ${shellQuote(remotePath)} > "$t" && chown "\${SUDO_UID:-0}" "$t" && echo "$t"`,
    { signal: opts.signal },
    become,
  );
  const staged = stage.stdout.trim();
  if (stage.code !== 0 || !staged.startsWith('/tmp/lifeboat-get.')) {
    throw new TransferError(`cannot read ${conn.name}:${remotePath}: ${stage.stderr.trim() || `exit ${stage.code}`}`);
  }
  try {
    return await getVerified(conn, remotePath, staged, localPath, opts);
  } finally {
    await execOn(conn, `rm -f ${shellQuote(staged)}`).catch(() => undefined);
  }
}

async function getVerified(conn: Connection, shownPath: string, remotePath: string, localPath: string, opts: GetOptions): Promise<TransferResult> {
  const { signal } = opts;
  const started = performance.now();
  const part = `${localPath}.part`;
  // The remote hash runs while the data streams: the file is read twice at once, not in turn.
  const remoteHash = execOn(conn, remoteSha256(shellQuote(remotePath)), { signal });
  try {
    const got = await withSftp(conn, (sftp) => downloadTo(sftp, remotePath, part, signal, opts.encode));
    const res = await remoteHash;
    const theirs = res.stdout.trim().split(/\s+/)[0];
    if (res.code !== 0 || !theirs || !/^[0-9a-f]{64}$/.test(theirs)) throw new TransferError(`sha256 of ${conn.name}:${shownPath} failed: ${res.stderr.trim()}`);
    if (theirs !== got.sha256) {
      throw new TransferError(`download of ${conn.name}:${shownPath} corrupted: local sha256 ${got.sha256}, remote ${theirs}`);
    }
    await rename(part, localPath);
    return { ...got, durationMs: performance.now() - started };
  } catch (err) {
    await remoteHash.catch(() => undefined);
    await rm(part, { force: true });
    throw err;
  }
}

async function downloadTo(sftp: SFTPWrapper, remote: string, local: string, signal?: AbortSignal, encode?: Encoder) {
  const handle = await sftpCall<Buffer>((cb) => sftp.open(remote, 'r', cb));
  const file = createWriteStream(local, { mode: 0o600 });
  // With an encoder, the bytes go through it (e.g. encryption) and it writes the file.
  const encoded = encode ? await encode(file) : undefined;
  const out: Writable = encoded?.input ?? file;
  // An encoder that fails mid-way must fail the download, not leave it waiting for a drain.
  encoded?.done.catch((e: Error) => out.destroy(e));
  const hash = createHash('sha256');
  const maxInFlight = encode ? PACED_READS : IN_FLIGHT;
  try {
    const size = (await sftpCall<{ size: number }>((cb) => sftp.fstat(handle, cb))).size;
    const bytes = await new Promise<number>((resolve, reject) => {
      const done = new Map<number, Buffer>(); // finished reads waiting for their turn, by offset
      let nextWrite = 0; // the offset to write next, in order
      let nextRead = 0;
      let inFlight = 0;
      let failed = false;
      let eof = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const onAbort = () => fail(new TransferError('download aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      let draining = false;
      const flush = () => {
        if (draining) return;
        let buf: Buffer | undefined;
        while ((buf = done.get(nextWrite)) !== undefined) {
          done.delete(nextWrite);
          hash.update(buf);
          nextWrite += buf.length;
          if (!out.write(buf)) {
            draining = true;
            out.once('drain', () => {
              draining = false;
              flush();
              pump();
            });
            return;
          }
        }
        if ((nextWrite >= size || eof) && inFlight === 0 && done.size === 0 && !failed) {
          failed = true; // settled: ignore anything late
          signal?.removeEventListener('abort', onAbort);
          out.end(() => resolve(nextWrite));
        }
      };
      const issue = (position: number, len: number) => {
        inFlight++;
        const buf = Buffer.allocUnsafe(len);
        sftp.read(handle, buf, 0, len, position, (err, n) => {
          inFlight--;
          if (failed) return;
          if (err) return fail(err);
          if (n === 0) eof = true; // the file shrank: the hash comparison will say so
          else done.set(position, buf.subarray(0, n));
          // A short read: ask for the rest of this range before moving on.
          if (n > 0 && n < len) issue(position + n, len - n);
          flush();
          pump();
        });
      };
      const pump = () => {
        while (!failed && !eof && inFlight < maxInFlight && nextRead < size && done.size < maxInFlight * 2 && out.writableLength < 16 * CHUNK) {
          const len = Math.min(CHUNK, size - nextRead);
          issue(nextRead, len);
          nextRead += len;
        }
      };
      out.on('error', (e) => {
        failed = true;
        reject(e);
      });
      if (signal?.aborted) return onAbort();
      pump();
      flush();
    });
    await encoded?.done;
    return { bytes, sha256: hash.digest('hex') };
  } catch (err) {
    out.destroy();
    file.destroy();
    encoded?.done.catch(() => undefined);
    throw err;
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => undefined);
  }
}
