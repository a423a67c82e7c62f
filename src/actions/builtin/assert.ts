import { evalWhen, whenNames } from '../../playbook/when.ts';
import { mask } from '../../util/secrets.ts';
import { ActionError, type Action, type ActionContext } from '../types.ts';

function argsOf(ctx: ActionContext) {
  const that = ctx.args.that;
  const list = Array.isArray(that) ? that.map(String) : [String(that)];
  return { that: list, msg: ctx.args.msg === undefined ? undefined : String(ctx.args.msg) };
}

/** Names only a run can fill (discovered facts; `topology` becomes the discovered one). */
const RUN_TIME = new Set(['facts', 'topology', 'secrets']);

function knownAtPlan(expr: string, vars: Record<string, unknown>): boolean {
  return whenNames(expr).every((n) => !RUN_TIME.has(n) && n in vars);
}

function check(expr: string, msg: string | undefined, vars: Record<string, unknown>): void {
  if (!evalWhen(expr, vars)) throw new ActionError(mask(msg ? `${msg} (${expr} is false)` : `assertion failed: ${expr}`));
}

/** Checks conditions over the run's vars and registered outputs on the controller; nothing remote. */
export const assertAction: Action = {
  name: 'assert',
  readOnly: true,
  description: 'Fail the step unless every expression holds (same syntax as `when`).',
  args: {
    that: { type: 'any', required: true, description: 'An expression or a list of them, over params, facts and registered outputs.' },
    msg: { type: 'string', description: 'Message shown when an expression is false.' },
  },
  plan(ctx) {
    const a = argsOf(ctx);
    // An assertion over what plan already knows (params, inventory, hostvars) is decided now, so
    // `plan` refuses what the run would refuse; one over facts or outputs waits for the run.
    for (const expr of a.that.filter((e) => knownAtPlan(e, ctx.vars))) check(expr, a.msg, ctx.vars);
    return a.that.map((e) => ({ host: ctx.host.name, command: `(controller) assert ${e}`, note: knownAtPlan(e, ctx.vars) ? 'holds (checked while planning)' : 'evaluated on the controller' }));
  },
  async run(ctx) {
    const a = argsOf(ctx);
    for (const expr of a.that) check(expr, a.msg, ctx.vars);
    return { changed: false, summary: `${a.that.length} assertion${a.that.length === 1 ? '' : 's'} hold` };
  },
};
