import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ActionError, type Action, type ActionContext } from '../types.ts';
import { localSha256, parseMode } from './local-hash.ts';
import { shq } from './quote.ts';

function argsOf(ctx: ActionContext) {
  let mode: number | undefined;
  try {
    mode = parseMode(ctx.args.mode);
  } catch (err) {
    throw new ActionError(`file.push: ${(err as Error).message}`);
  }
  return { src: resolve(String(ctx.args.src)), dest: String(ctx.args.dest), mode, force: ctx.args.force === true };
}

/** Uploads a local file (streamed, sha256-checked by the transport); skips it when the remote copy is identical. */
export const filePushAction: Action = {
  name: 'file.push',
  description: 'Copy a local file to each host over SFTP, verified by sha256.',
  args: {
    src: { type: 'string', required: true, description: 'Local path on the controller.' },
    dest: { type: 'string', required: true, description: 'Remote path.' },
    mode: { type: 'any', description: 'Remote file mode, octal (e.g. "0600").' },
    force: { type: 'boolean', default: false, description: 'Upload even when the remote file already has the same sha256.' },
  },
  async plan(ctx) {
    const a = argsOf(ctx);
    const size = await stat(a.src).then((s) => `${s.size} bytes`, () => 'missing now');
    return [
      { host: ctx.host.name, command: `sha256sum ${shq(a.dest)}`, note: 'skip the upload when it matches' },
      { host: ctx.host.name, command: `sftp put ${a.src} -> ${a.dest}`, note: `${size}${a.mode !== undefined ? `, mode ${a.mode.toString(8).padStart(4, '0')}` : ''}, sha256 verified` },
    ];
  },
  async run(ctx) {
    const a = argsOf(ctx);
    const local = await localSha256(a.src).catch((err: Error) => {
      throw new ActionError(`file.push: cannot read ${a.src}: ${err.message}`);
    });
    const remote = await ctx.connect();
    if (!a.force) {
      const probe = await remote.exec(`sha256sum ${shq(a.dest)} 2>/dev/null`, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
      if (probe.code === 0 && probe.stdout.split(/\s/)[0] === local.sha256) {
        if (a.mode !== undefined && !ctx.check) await remote.exec(`chmod ${a.mode.toString(8)} ${shq(a.dest)}`, { signal: ctx.signal });
        return { changed: false, summary: `${a.dest} already up to date`, output: { dest: a.dest, ...local } };
      }
    }
    if (ctx.check) return { changed: true, summary: `check: would upload ${a.src} (${local.bytes} bytes) to ${a.dest}` };
    const res = await remote.put(a.src, a.dest, { mode: a.mode, signal: ctx.signal });
    if (res.sha256 !== local.sha256) throw new ActionError(`file.push: ${a.dest} has sha256 ${res.sha256}, expected ${local.sha256}`);
    const mbps = res.durationMs > 0 ? ` at ${(res.bytes / 1e6 / (res.durationMs / 1000)).toFixed(1)} MB/s` : '';
    return { changed: true, summary: `${res.bytes} bytes -> ${a.dest}${mbps}`, output: { dest: a.dest, bytes: res.bytes, sha256: res.sha256 } };
  },
};
