import type { RemoteHost } from '../../../../transport/types.ts';
import { mask } from '../../../../util/secrets.ts';
import { ActionError, type ActionContext, type PlannedCommand } from '../../../../actions/types.ts';
import { attr, ldapModify, parseLdif } from '../ldap.ts';

/**
 * A host-side step of a backup or restore. The same list drives `plan` (shown) and `run`
 * (executed), so the plan is exactly what runs.
 */
export interface HostStep {
  /** task-add: LDIF on stdin to ldapmodify; task-wait: poll loop that prints the finished task. */
  kind: 'task-add' | 'task-wait' | 'shell';
  command: string;
  /** Short name for progress and errors. */
  what: string;
  stdin?: string;
  note?: string;
}

export function planned(host: string, s: HostStep): PlannedCommand {
  return { host, command: s.command, ...(s.stdin ? { stdin: s.note } : s.note ? { note: s.note } : {}) };
}

/** Runs a command; a non-zero exit is an ActionError with the last lines of output (FIPS notices dropped). */
export async function sh(remote: RemoteHost, ctx: ActionContext, command: string, what: string, timeoutMs = 900_000) {
  const r = await remote.exec(command, { signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? timeoutMs });
  if (r.code !== 0) {
    // dsctl's offline tools print a FIPS notice on stderr even when they work: it says nothing.
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => !/FIPS/i.test(l)).slice(-3).join(' | ');
    const how = r.code ?? (r.timedOut ? 'timeout' : (r.signal ?? 'signal'));
    throw new ActionError(mask(`${ctx.host.name}: ${what} failed (exit ${how})${tail ? `: ${tail}` : ''}`), {
      command: r.command,
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return r;
}

/** Runs the steps in order; resolves to each step's stdout (empty for a task-add). */
export async function runHostSteps(remote: RemoteHost, ctx: ActionContext, inst: string, steps: HostStep[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const s of steps) {
    ctx.emit({ kind: 'progress', message: s.what });
    if (s.kind === 'task-add') {
      await ldapModify(remote, inst, s.stdin ?? '', { signal: ctx.signal });
      outputs.push('');
      continue;
    }
    const r = await sh(remote, ctx, s.command, s.what);
    outputs.push(r.stdout);
    if (s.kind === 'task-wait') {
      const task = parseLdif(r.stdout)[0];
      const code = attr(task, 'nsTaskExitCode');
      if (Number(code) !== 0) {
        const log = (task?.attrs['nstasklog'] ?? []).join(' ').slice(-400) || attr(task, 'nstaskstatus') || 'no log';
        throw new ActionError(`${ctx.host.name}: ${s.what.replace(/^waiting for /, '')} ended with code ${code}: ${log}`);
      }
    }
  }
  return outputs;
}
