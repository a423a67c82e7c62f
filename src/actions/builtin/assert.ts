import { evalWhen } from '../../playbook/index.ts';
import { mask } from '../../util/secrets.ts';
import { ActionError, type Action, type ActionContext } from '../types.ts';

function argsOf(ctx: ActionContext) {
  const that = ctx.args.that;
  const list = Array.isArray(that) ? that.map(String) : [String(that)];
  return { that: list, msg: ctx.args.msg === undefined ? undefined : String(ctx.args.msg) };
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
    return argsOf(ctx).that.map((e) => ({ host: ctx.host.name, command: `(controller) assert ${e}`, note: 'evaluated on the controller' }));
  },
  async run(ctx) {
    const a = argsOf(ctx);
    for (const expr of a.that) {
      if (!evalWhen(expr, ctx.vars)) throw new ActionError(mask(a.msg ? `${a.msg} (${expr} is false)` : `assertion failed: ${expr}`));
    }
    return { changed: false, summary: `${a.that.length} assertion${a.that.length === 1 ? '' : 's'} hold` };
  },
};
