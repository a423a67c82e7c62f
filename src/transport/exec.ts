/** Runs one command on a connection: streamed output, stdin, timeout and abort that really kill it. */
import { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult } from './types.ts';
import { openExec, type Connection, type ExecChannel } from './channel.ts';
import { OutputTail } from './output-tail.ts';
import { PGID_MARKER, killGroupCommand, stdinPreamble, wrapCommand, type BecomeMode } from './remote-command.ts';

/** How long a TERMed group gets before KILL. */
export const KILL_GRACE_MS = 2000;

export async function execOn(conn: Connection, command: string, opts: ExecOptions = {}, become?: BecomeMode): Promise<ExecResult> {
  const release = await conn.channels.acquire();
  const started = performance.now();
  let channel: ExecChannel;
  try {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    channel = await openExec(conn, wrapCommand(command, become));
  } catch (err) {
    release();
    throw err;
  }
  try {
    return await runChannel(conn, channel, command, opts, become, started);
  } finally {
    release();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

function runChannel(
  conn: Connection,
  channel: ExecChannel,
  command: string,
  opts: ExecOptions,
  become: BecomeMode | undefined,
  started: number,
): Promise<ExecResult> {
  const { stream } = channel;
  return new Promise<ExecResult>((resolve) => {
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    let code: number | null = null;
    let signal: string | undefined;
    let timedOut = false;
    let stopping = false;
    let pgid: number | undefined;
    let stderrHead: Buffer | undefined = Buffer.alloc(0); // until the marker line is seen
    let forceClose: NodeJS.Timeout | undefined;

    const killRemote = () => {
      if (pgid === undefined) return; // sent once the marker arrives
      const id = pgid;
      // A second channel: the first one is busy running the command. Not bounded by the
      // semaphore, so a full connection can still stop its own commands.
      openExec(conn, killGroupCommand(id, KILL_GRACE_MS, become))
        .then(({ stream: k }) => {
          const pre = stdinPreamble(become);
          k.end(pre ?? '');
          k.resume();
          k.stderr.resume();
        })
        .catch(() => stream.close());
    };
    const stop = (why: 'timeout' | 'abort') => {
      if (stopping) return;
      stopping = true;
      if (why === 'timeout') timedOut = true;
      killRemote();
      stream.signal?.('KILL');
      // If the group does not go (or the kill channel failed), give up on the channel.
      forceClose = setTimeout(() => stream.close(), KILL_GRACE_MS + 3000);
    };

    const timer = opts.timeoutMs && opts.timeoutMs > 0 ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;
    const onAbort = () => stop('abort');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    stream.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      opts.onStdout?.(chunk);
    });
    const emitStderr = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      stderr.push(chunk);
      opts.onStderr?.(chunk);
    };
    stream.stderr.on('data', (chunk: Buffer) => {
      if (!stderrHead) return emitStderr(chunk);
      stderrHead = Buffer.concat([stderrHead, chunk]);
      const nl = stderrHead.indexOf(10);
      if (nl < 0 && stderrHead.length < 256) return;
      const head = stderrHead;
      stderrHead = undefined;
      const first = head.subarray(0, nl < 0 ? head.length : nl).toString('latin1');
      if (first.startsWith(PGID_MARKER)) {
        pgid = Number(first.slice(PGID_MARKER.length));
        emitStderr(head.subarray(nl + 1));
        if (stopping) killRemote();
      } else {
        emitStderr(head);
      }
    });
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (timer) clearTimeout(timer);
      if (forceClose) clearTimeout(forceClose);
      opts.signal?.removeEventListener('abort', onAbort);
      if (stderrHead && stderrHead.length) emitStderr(stderrHead);
      const status = channel.exit();
      if (status) {
        code = status.code;
        signal = status.signal;
      }
      resolve({
        command,
        code: stopping ? null : code,
        signal: signal ?? (stopping ? 'KILL' : undefined),
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: performance.now() - started,
        timedOut,
      });
    });

    sendStdin(stream, stdinPreamble(become), opts.stdin);
    if (opts.signal?.aborted) onAbort();
  });
}

function sendStdin(stream: ClientChannel, preamble: string | undefined, stdin: ExecOptions['stdin']): void {
  if (preamble !== undefined) stream.write(preamble);
  if (stdin === undefined) return void stream.end();
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) return void stream.end(stdin);
  (stdin as Readable).on('error', () => stream.end());
  (stdin as Readable).pipe(stream);
}
