import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ExecResult, RemoteHost } from '../../../src/transport/types.ts';

/**
 * A RemoteHost that answers from a script and records every command and upload: for asserting
 * what an action did (and did not do) without a server.
 */
export function scriptedHost(name: string, answer: (command: string) => Partial<ExecResult> | undefined) {
  const commands: string[] = [];
  const uploads: { path: string; bytes: number; sha256: string }[] = [];
  const remote: RemoteHost = {
    name,
    async exec(command) {
      commands.push(command);
      const a = answer(command) ?? {};
      return { command, code: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...a };
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
    async get() {
      throw new Error('not scripted');
    },
    async close() {},
  };
  return { remote, commands, uploads };
}
