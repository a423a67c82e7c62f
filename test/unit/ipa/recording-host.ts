import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ExecResult, RemoteHost } from '../../../src/transport/types.ts';

/**
 * A RemoteHost that answers from a script and records every command WITH its stdin, every upload
 * and download: for asserting exactly what an ipa action ran and what it sent where.
 */
export function recordingHost(name: string, answer: (command: string) => Partial<ExecResult> | undefined, files: Record<string, string> = {}) {
  const execs: { command: string; stdin?: string }[] = [];
  const uploads: { path: string; bytes: number; sha256: string }[] = [];
  const downloads: { remote: string; local: string }[] = [];
  const remote: RemoteHost = {
    name,
    async exec(command, opts) {
      execs.push({ command, ...(opts?.stdin !== undefined ? { stdin: String(opts.stdin) } : {}) });
      return { command, code: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...(answer(command) ?? {}) };
    },
    async put(local, path) {
      const hash = createHash('sha256');
      let bytes = 0;
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
      if (!src) throw new Error(`no such remote file ${remotePath}`);
      copyFileSync(src, localPath);
      downloads.push({ remote: remotePath, local: localPath });
      const data = (await import('node:fs')).readFileSync(localPath);
      return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), durationMs: 1 };
    },
    async close() {},
  };
  return { remote, execs, uploads, downloads };
}
