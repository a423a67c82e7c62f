import type { Action, ActionContext } from '../../../actions/types.ts';
import { ktsVars } from '../kts-vars.ts';
import { pgCtl } from '../pg.ts';
import { plannedSteps, runSteps, type KtsStep } from './steps.ts';

/**
 * The Key Trustee service on this host. In the lab (and for what Lifeboat restores) that is its
 * PostgreSQL cluster; stopping the passive's also stops its replication.
 */
function serviceAction(verb: 'start' | 'stop'): Action {
  const steps = (ctx: ActionContext): KtsStep[] => [{ what: `pg_ctl ${verb}`, command: pgCtl(ktsVars(ctx.inventory, ctx.host), verb), note: verb === 'stop' ? 'nothing if already stopped' : 'nothing if already running' }];
  return {
    name: `service.${verb}`,
    description: `${verb === 'start' ? 'Start' : 'Stop'} the Key Trustee database (pg_ctl ${verb} as the service account)`,
    args: {},
    plan: (ctx) => plannedSteps(ctx.host.name, steps(ctx)),
    async run(ctx) {
      if (ctx.check) return { changed: false };
      await runSteps(ctx, steps(ctx));
      return { changed: true, summary: `${ctx.host.name}: database ${verb === 'start' ? 'running' : 'stopped'}`, undo: { do: `service.${verb === 'start' ? 'stop' : 'start'}`, with: {} } };
    },
  };
}

export const ktsServiceStart = serviceAction('start');
export const ktsServiceStop = serviceAction('stop');
