import type { Readable, Writable } from 'node:stream';

export interface ExecOptions {
  /** Sent on the command's stdin and then closed: the way secrets reach a remote process. */
  stdin?: string | Buffer | Readable;
  /** Kill the remote process (and its group) after this long; the result has timedOut set. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with output as it arrives (for live progress); the result still holds the tails. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  command: string;
  /** Exit code; null when killed by a signal or timed out. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface TransferResult {
  bytes: number;
  sha256: string;
  durationMs: number;
}

/** Wraps the local file's write stream: `input` takes the downloaded bytes, `done` settles once `file` has everything. */
export type Encoder = (file: Writable) => Promise<{ input: Writable; done: Promise<void> }>;

export interface GetOptions {
  signal?: AbortSignal;
  encode?: Encoder;
}

/** One connected host. Every method reuses the single SSH connection of that host. */
export interface RemoteHost {
  readonly name: string;
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Streams a local file (or stream) to a remote path, verifying sha256 on both sides. */
  put(local: string | Readable, remotePath: string, opts?: { mode?: number; signal?: AbortSignal }): Promise<TransferResult>;
  /**
   * Streams a remote file to a local path (written to a temp name, renamed when verified). With
   * `encode`, the bytes pass through it on their way to the file (e.g. encryption while
   * downloading); the sha256 is still that of the remote file's bytes.
   */
  get(remotePath: string, localPath: string, opts?: GetOptions): Promise<TransferResult>;
  close(): Promise<void>;
}
