import type { RemoteHost } from '../../../transport/types.ts';
import { mask } from '../../../util/secrets.ts';
import { ActionError, type ActionContext, type PlannedCommand } from '../../../actions/types.ts';

/**
 * A command one keytrustee action runs on a host. Each action builds one list of these and both
 * `plan` (shows it) and `run` (executes it) use that list, so the plan is what runs.
 */
export interface KtsStep {
  what: string;
  command: string;
  note?: string;
  /** Where it runs when not on the action's own host (the peer of the pair). */
  on?: string;
}

export function plannedSteps(host: string, steps: KtsStep[]): PlannedCommand[] {
  return steps.map((s) => ({ host: s.on ?? host, command: s.command, ...(s.note ? { note: s.note } : {}) }));
}

/** Runs a command; a non-zero exit is an ActionError naming the host and step, with the output's tail. */
export async function sh(remote: RemoteHost, ctx: ActionContext, command: string, what: string, opts: { stdin?: string; timeoutMs?: number } = {}) {
  const r = await remote.exec(command, { signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? opts.timeoutMs ?? 900_000, stdin: opts.stdin });
  if (r.code !== 0) {
    // PostgreSQL's tools, run as the service account from root's home, first complain that they
    // cannot enter it: harmless, and it would push the real cause out of the message's tail.
    const lines = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => !/could not change directory to/.test(l));
    const tail = lines.slice(-3).join(' | ');
    const how = r.code ?? (r.timedOut ? 'timeout' : (r.signal ?? 'signal'));
    throw new ActionError(mask(`${remote.name}: ${what} failed (exit ${how})${tail ? `: ${tail}` : ''}`), { command: r.command, code: r.code, stdout: r.stdout, stderr: r.stderr });
  }
  return r;
}

export async function runSteps(ctx: ActionContext, steps: KtsStep[]): Promise<void> {
  for (const s of steps) {
    ctx.emit({ kind: 'progress', message: s.on ? `${s.on}: ${s.what}` : s.what });
    await sh(await ctx.connect(s.on), ctx, s.command, s.what);
  }
}
