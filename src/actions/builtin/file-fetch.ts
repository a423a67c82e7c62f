import { mkdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ActionError, type Action, type ActionContext } from '../types.ts';

/**
 * The default destination keeps each host's copy apart inside the run directory. A given `dest` is
 * relative to the run directory and must stay inside it: nothing is written anywhere else.
 */
function argsOf(ctx: ActionContext) {
  const src = String(ctx.args.src);
  const root = resolve(ctx.runDir);
  const dest = ctx.args.dest ? resolve(root, String(ctx.args.dest)) : join(root, 'fetched', ctx.host.name, basename(src));
  const rel = relative(root, dest);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ActionError(`file.fetch: dest ${JSON.stringify(ctx.args.dest)} leads outside the run directory ${root}; give a path inside it (e.g. fetched/{{ host }}/name)`);
  }
  return { src, dest };
}

/** Downloads a remote file to the controller (streamed to a temp name, renamed once sha256 matches). */
export const fileFetchAction: Action = {
  name: 'file.fetch',
  readOnly: true,
  description: 'Copy a file from each host to the controller over SFTP, verified by sha256.',
  args: {
    src: { type: 'string', required: true, description: 'Remote path.' },
    dest: { type: 'string', description: 'Local path inside the run directory, relative to it ({{ host }} keeps hosts apart); default fetched/<host>/<name>.' },
  },
  plan(ctx) {
    const a = argsOf(ctx);
    return [{ host: ctx.host.name, command: `sftp get ${a.src} -> ${a.dest}`, note: 'sha256 verified' }];
  },
  async run(ctx) {
    const a = argsOf(ctx);
    if (ctx.check) return { changed: false, summary: `check: would fetch ${a.src}` };
    const remote = await ctx.connect();
    await mkdir(dirname(a.dest), { recursive: true });
    const res = await remote.get(a.src, a.dest, { signal: ctx.signal });
    // Nothing changed on the host; the copy is the controller's.
    return { changed: false, summary: `${res.bytes} bytes -> ${a.dest}`, output: { path: a.dest, bytes: res.bytes, sha256: res.sha256 } };
  },
};
