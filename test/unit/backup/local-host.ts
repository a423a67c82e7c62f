import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExecOptions, ExecResult, RemoteHost, TransferResult } from '../../../src/transport/types.ts';

/**
 * A RemoteHost that is this machine (optionally inside another mount namespace through
 * `nsenter`): the backup actions' real commands run for real, without SSH in between.
 */
export function localHost(name: string, opts: { mountNs?: string; log?: string[] } = {}): RemoteHost {
  const argv = (command: string) => (opts.mountNs ? ['nsenter', `--mount=${opts.mountNs}`, 'sh', '-c', command] : ['sh', '-c', command]);
  async function copy(from: Readable, to: string, mode?: number): Promise<TransferResult> {
    const started = Date.now();
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const part = `${to}.part`;
    try {
      await pipeline(from, count, createWriteStream(part, { mode: mode ?? 0o600 }));
      if (mode !== undefined) await chmod(part, mode);
      await rename(part, to);
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
    return { bytes, sha256: hash.digest('hex'), durationMs: Date.now() - started };
  }
  return {
    name,
    exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
      opts.log?.push(command);
      const started = Date.now();
      const [cmd, ...args] = argv(command) as [string, ...string[]];
      return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], signal: o.signal });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const timer = o.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), o.timeoutMs) : undefined;
        child.stdout.on('data', (d: Buffer) => ((stdout += d), o.onStdout?.(d)));
        child.stderr.on('data', (d: Buffer) => ((stderr += d), o.onStderr?.(d)));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ command, code: timedOut ? null : code, signal: signal ?? undefined, stdout, stderr, durationMs: Date.now() - started, timedOut });
        });
        if (o.stdin instanceof Readable) o.stdin.pipe(child.stdin);
        else child.stdin.end(o.stdin ?? '');
      });
    },
    // The namespace only changes a few bind mounts; the paths the actions use are shared.
    put: (local, remotePath, o) => copy(typeof local === 'string' ? createReadStream(local) : local, remotePath, o?.mode),
    get: (remotePath, localPath) => copy(createReadStream(remotePath), localPath),
    close: async () => undefined,
  };
}
