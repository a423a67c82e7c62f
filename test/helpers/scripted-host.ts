import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ExecResult, RemoteHost } from '../../src/transport/types.ts';

/**
 * A RemoteHost that answers from a script and records every command (with its stdin), upload and
 * download: for asserting exactly what an action ran, and sent where, without a server.
 * `files` maps the remote paths a download may fetch to local files; any other download fails.
 */
export function scriptedHost(name: string, answer: (command: string) => Partial<ExecResult> | undefined, files: Record<string, string> = {}) {
  const execs: { command: string; stdin?: string; stdinBytes?: number; stdinSha256?: string }[] = [];
  const uploads: { path: string; bytes: number; sha256: string }[] = [];
  const downloads: { remote: string; local: string }[] = [];
  const remote: RemoteHost = {
    name,
    async exec(command, opts) {
      const stdin = opts?.stdin;
      if (stdin instanceof Readable) {
        // Like a command reading a stream to its end (the archive receiver): fails when the stream
        // fails, and prints the sha256 of what it read unless the script answers otherwise.
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of stdin) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        const sha256 = hash.digest('hex');
        execs.push({ command, stdin: `<stream of ${bytes} bytes>`, stdinBytes: bytes, stdinSha256: sha256 });
        return { command, code: 0, stdout: `${sha256}\n`, stderr: '', durationMs: 1, timedOut: false, ...(answer(command) ?? {}) };
      }
      execs.push({ command, ...(stdin !== undefined ? { stdin: String(stdin) } : {}) });
      return { command, code: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...(answer(command) ?? {}) };
    },
    async put(local, path) {
      const hash = createHash('sha256');
      let bytes = 0;
      // Like an SFTP upload: reads the stream to its end and fails when the stream fails.
      for await (const chunk of typeof local === 'string' ? Readable.from([]) : local) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      const r = { path, bytes, sha256: hash.digest('hex') };
      uploads.push(r);
      return { bytes, sha256: r.sha256, durationMs: 1 };
    },
    async get(remotePath, localPath) {
      const src = files[remotePath];
      if (!src) throw new Error(`not scripted: no remote file ${remotePath}`);
      copyFileSync(src, localPath);
      downloads.push({ remote: remotePath, local: localPath });
      const data = readFileSync(localPath);
      return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), durationMs: 1 };
    },
    async close() {},
  };
  return {
    remote,
    execs,
    uploads,
    downloads,
    /** The commands alone, in order. */
    get commands(): string[] {
      return execs.map((e) => e.command);
    },
  };
}
