import { parseDuration } from '../../source/duration.ts';
import { mask } from '../../util/secrets.ts';
import { ActionError, type Action, type ActionContext } from '../types.ts';

function duration(v: unknown, what: string, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const ms = parseDuration(v);
  if (ms === undefined) throw new ActionError(`wait: ${what} must be a duration like 2s or 500ms, got ${JSON.stringify(v)}`);
  return ms;
}

function argsOf(ctx: ActionContext) {
  const expect = Array.isArray(ctx.args.expect) ? ctx.args.expect.map(Number) : [Number(ctx.args.expect ?? 0)];
  return {
    command: String(ctx.args.command),
    intervalMs: duration(ctx.args.interval, 'interval', 2000),
    timeoutMs: duration(ctx.args.timeout, 'timeout', 300_000),
    expect,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(res, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
  });
}

/** Polls a read-only command until it exits with an expected code, or gives up at the timeout. */
export const waitAction: Action = {
  name: 'wait',
  readOnly: true,
  description: 'Run a command every interval until it succeeds, failing after the timeout.',
  args: {
    command: { type: 'string', required: true, description: 'Read-only probe command.' },
    interval: { type: 'any', default: '2s', description: 'Pause between tries (duration).' },
    timeout: { type: 'any', default: '5m', description: 'Give up after this long (duration).' },
    expect: { type: 'any', default: [0], description: 'Exit codes that mean "ready".' },
  },
  plan(ctx) {
    const a = argsOf(ctx);
    return [{ host: ctx.host.name, command: mask(a.command), note: `repeat every ${a.intervalMs} ms until exit ${a.expect.join('/')}, up to ${a.timeoutMs} ms` }];
  },
  async run(ctx) {
    const a = argsOf(ctx);
    if (ctx.check) return { changed: false, summary: `check: would wait for ${mask(a.command)}` };
    const remote = await ctx.connect();
    const deadline = Date.now() + a.timeoutMs;
    let last = { code: null as number | null, stdout: '', stderr: '' };
    for (let attempt = 1; ; attempt++) {
      const left = deadline - Date.now();
      const res = await remote.exec(a.command, { timeoutMs: Math.max(1, left), signal: ctx.signal });
      last = { code: res.code, stdout: res.stdout, stderr: res.stderr };
      if (res.code !== null && a.expect.includes(res.code)) {
        return { changed: false, summary: `ready after ${attempt} tr${attempt === 1 ? 'y' : 'ies'}`, output: { ...last, attempts: attempt } };
      }
      if (ctx.signal.aborted) throw new ActionError(`wait: stopped (${String(ctx.signal.reason?.message ?? 'aborted')})`);
      if (Date.now() + a.intervalMs >= deadline) {
        const why = mask((last.stderr || last.stdout).trim().slice(-300));
        throw new ActionError(`wait: ${mask(a.command)} not ready after ${a.timeoutMs} ms (${attempt} tries, last exit ${last.code})${why ? `: ${why}` : ''}`, {
          command: mask(a.command), code: last.code, stdout: mask(last.stdout.slice(-2000)), stderr: mask(last.stderr.slice(-2000)),
        });
      }
      await sleep(a.intervalMs, ctx.signal);
    }
  },
};
