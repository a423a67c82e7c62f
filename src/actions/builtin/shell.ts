import { evalWhen } from '../../playbook/index.ts';
import { mask } from '../../util/secrets.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../types.ts';
import { describeStdin, shq } from './quote.ts';

interface ShellArgs {
  command: string;
  stdin?: string;
  expect: number[];
  creates?: string;
  changed_when?: string;
  changed: boolean;
  readonly: boolean;
}

function argsOf(ctx: ActionContext): ShellArgs {
  const a = ctx.args;
  const expect = Array.isArray(a.expect) ? a.expect.map(Number) : [Number(a.expect ?? 0)];
  if (expect.some((n) => !Number.isInteger(n))) throw new ActionError(`shell: expect must be exit codes, got ${JSON.stringify(a.expect)}`);
  return {
    command: String(a.command),
    stdin: a.stdin === undefined ? undefined : String(a.stdin),
    expect,
    creates: a.creates ? String(a.creates) : undefined,
    changed_when: a.changed_when ? String(a.changed_when) : undefined,
    changed: a.changed !== false,
    readonly: a.readonly === true,
  };
}

function tail(text: string, n = 2000): string {
  return mask(text.length > n ? '…' + text.slice(-n) : text);
}

/** Runs one command through the host's shell; secrets belong on stdin, never in `command`. */
export const shellAction: Action = {
  name: 'shell',
  description: 'Run a shell command on each host; fails unless the exit code is expected.',
  args: {
    command: { type: 'string', required: true, description: 'Command line run with sh -c on the host.' },
    stdin: { type: 'string', secret: true, description: 'Text sent on stdin (the place for secrets: masked in plans and journals).' },
    expect: { type: 'any', default: [0], description: 'Exit codes that count as success (a number or a list).' },
    creates: { type: 'string', description: 'Remote path: when it exists the command is not run (changed: false).' },
    changed_when: { type: 'string', description: 'Expression over stdout, stderr, code (and run vars) deciding `changed`.' },
    changed: { type: 'boolean', default: true, description: 'Whether a successful run counts as a change.' },
    readonly: { type: 'boolean', default: false, description: 'The command changes nothing: it runs in check mode too and never counts as a change.' },
  },
  // A literal `readonly: true` (a template is only known at run time: it counts as a change).
  readOnlyWith: (args) => args.readonly === true,
  plan(ctx): PlannedCommand[] {
    const a = argsOf(ctx);
    const cmds: PlannedCommand[] = [];
    if (a.creates) cmds.push({ host: ctx.host.name, command: `test -e ${shq(a.creates)}`, note: 'skip the command when this exists' });
    cmds.push({
      host: ctx.host.name,
      command: mask(a.command),
      stdin: a.stdin === undefined ? undefined : describeStdin(a.stdin, mask(a.stdin)),
      note: a.expect.length === 1 && a.expect[0] === 0 ? undefined : `expect exit ${a.expect.join(' or ')}`,
    });
    return cmds;
  },
  async run(ctx) {
    const a = argsOf(ctx);
    const remote = await ctx.connect();
    const execOpts = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
    if (a.creates) {
      const probe = await remote.exec(`test -e ${shq(a.creates)}`, execOpts);
      if (probe.code === 0) return { changed: false, summary: `${a.creates} exists`, output: { stdout: '', stderr: '', code: 0, skipped: true } };
    }
    if (ctx.check && !a.readonly) return { changed: a.changed, summary: `check: would run ${mask(a.command)}` };
    const res = await remote.exec(a.command, { ...execOpts, stdin: a.stdin });
    if (res.timedOut) {
      throw new ActionError(`command timed out after ${ctx.timeoutMs} ms: ${mask(a.command)}`, { command: mask(a.command), code: null, stdout: tail(res.stdout), stderr: tail(res.stderr) });
    }
    if (res.code === null || !a.expect.includes(res.code)) {
      const why = res.code === null ? `killed by ${res.signal ?? 'a signal'}` : `exit ${res.code}`;
      const last = tail(res.stderr.trim() || res.stdout.trim(), 300);
      throw new ActionError(`${mask(a.command)}: ${why}${last ? `: ${last}` : ''}`, {
        command: mask(a.command), code: res.code, stdout: tail(res.stdout), stderr: tail(res.stderr),
      });
    }
    const output = { stdout: res.stdout, stderr: res.stderr, code: res.code };
    let changed = a.readonly ? false : a.changed;
    if (a.changed_when) changed = evalWhen(a.changed_when, { ...ctx.vars, ...output });
    const firstLine = res.stdout.trim().split('\n')[0] ?? '';
    return { changed, summary: mask(firstLine.slice(0, 120)) || `exit ${res.code}`, output };
  },
};
