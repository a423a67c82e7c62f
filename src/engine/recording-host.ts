import type { ExecOptions, RemoteHost } from '../transport/types.ts';
import { mask } from '../util/secrets.ts';

const TAIL = 4096;

/** One thing a unit did on a host, as the journal keeps it (masked, output tails only). */
export interface CommandRecord {
  host: string;
  command: string;
  code?: number | null;
  timedOut?: boolean;
  stdoutTail?: string;
  stderrTail?: string;
  durationMs: number;
  sha256?: string;
  bytes?: number;
  error?: string;
}

export function tail(text: string): string {
  const t = text.length > TAIL ? '…' + text.slice(-TAIL) : text;
  return mask(t);
}

/**
 * Wraps a RemoteHost so everything an action runs through it lands in the unit's journal line,
 * whether or not the action reports it.
 */
export function recordingHost(remote: RemoteHost, records: CommandRecord[], onCommand: (r: CommandRecord) => void): RemoteHost {
  const push = (r: CommandRecord) => {
    records.push(r);
    onCommand(r);
  };
  return {
    name: remote.name,
    async exec(command: string, opts?: ExecOptions) {
      const start = Date.now();
      try {
        const res = await remote.exec(command, opts);
        push({
          host: remote.name,
          command: mask(command),
          code: res.code,
          timedOut: res.timedOut || undefined,
          stdoutTail: tail(res.stdout),
          stderrTail: tail(res.stderr),
          durationMs: res.durationMs,
        });
        return res;
      } catch (err) {
        push({ host: remote.name, command: mask(command), durationMs: Date.now() - start, error: mask(String((err as Error)?.message ?? err)) });
        throw err;
      }
    },
    async put(local, remotePath, opts) {
      const start = Date.now();
      const what = `sftp put ${typeof local === 'string' ? local : '<stream>'} -> ${remotePath}`;
      try {
        const res = await remote.put(local, remotePath, opts);
        push({ host: remote.name, command: mask(what), durationMs: res.durationMs, sha256: res.sha256, bytes: res.bytes });
        return res;
      } catch (err) {
        push({ host: remote.name, command: mask(what), durationMs: Date.now() - start, error: mask(String((err as Error)?.message ?? err)) });
        throw err;
      }
    },
    async get(remotePath, localPath, opts) {
      const start = Date.now();
      const what = `sftp get ${remotePath} -> ${localPath}`;
      try {
        const res = await remote.get(remotePath, localPath, opts);
        push({ host: remote.name, command: mask(what), durationMs: res.durationMs, sha256: res.sha256, bytes: res.bytes });
        return res;
      } catch (err) {
        push({ host: remote.name, command: mask(what), durationMs: Date.now() - start, error: mask(String((err as Error)?.message ?? err)) });
        throw err;
      }
    },
    // The connection belongs to the pool; an action closing it would break the other units.
    close: async () => undefined,
  };
}
