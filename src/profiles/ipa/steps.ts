import { sh } from '../389ds/actions/backup/host-steps.ts';
import type { ActionContext, PlannedCommand } from '../../actions/types.ts';
import type { ExecResult, RemoteHost } from '../../transport/types.ts';
import { commandLine } from './commands.ts';

/**
 * One command of an ipa action on a host. The same list drives `plan` (shown, the stdin only
 * described) and `run` (executed, the stdin given), as src/profiles/389ds/actions/backup/host-steps.ts does
 * for the 389ds actions: the plan is what runs. `stdin` is filled only when running.
 */
export interface IpaStep {
  argv: string[];
  env?: Record<string, string>;
  what: string;
  /** What goes to stdin, masked (e.g. "Directory Manager password ***"). */
  stdinNote?: string;
  stdin?: string;
  note?: string;
  timeoutMs?: number;
}

export function stepLine(s: IpaStep): string {
  return commandLine(s.argv, s.env);
}

export function plannedStep(host: string, s: IpaStep): PlannedCommand {
  return { host, command: stepLine(s), ...(s.stdinNote ? { stdin: s.stdinNote } : {}), ...(s.note ? { note: s.note } : {}) };
}

/** Runs the steps in order; the first failure stops with the host, the step and the output's tail. */
export async function runIpaSteps(remote: RemoteHost, ctx: ActionContext, steps: IpaStep[]): Promise<ExecResult[]> {
  const results: ExecResult[] = [];
  for (const s of steps) {
    ctx.emit({ kind: 'progress', message: s.what });
    results.push(await shWithStdin(remote, ctx, s));
  }
  return results;
}

async function shWithStdin(remote: RemoteHost, ctx: ActionContext, s: IpaStep) {
  if (s.stdin === undefined) return sh(remote, ctx, stepLine(s), s.what, s.timeoutMs ?? 3_600_000);
  // sh() has no stdin: wrap the host so the secret goes on stdin of this one command.
  const withStdin = { name: remote.name, exec: (c: string, o?: Parameters<RemoteHost['exec']>[1]) => remote.exec(c, { ...o, stdin: s.stdin }) } as RemoteHost;
  return sh(withStdin, ctx, stepLine(s), s.what, s.timeoutMs ?? 3_600_000);
}
