import type { Action } from '../../../actions/types.ts';
import { ipactl, type IpactlVerb } from '../commands.ts';
import { IPA_FACTS_COMMAND, ipaFacts } from '../host-facts.ts';
import { plannedStep, runIpaSteps, type IpaStep } from '../steps.ts';

/** ipactl stops/starts every IPA service in order (389-ds, KDC, httpd, pki-tomcatd, …). */
function serviceSteps(verb: IpactlVerb): IpaStep[] {
  return [{ argv: ipactl(verb), what: `ipactl ${verb}`, timeoutMs: 15 * 60_000 }];
}

function serviceAction(verb: IpactlVerb, description: string): Action {
  return {
    name: `ipa.service.${verb}`,
    description,
    args: {},
    ...(verb === 'stop' ? { destructive: true } : {}),
    plan(ctx) {
      return [{ host: ctx.host.name, command: IPA_FACTS_COMMAND, note: 'IdM tools present' }, ...serviceSteps(verb).map((s) => plannedStep(ctx.host.name, s))];
    },
    async run(ctx) {
      const remote = await ctx.connect();
      await ipaFacts(remote, ctx, ['ipactl']);
      if (ctx.check) return { changed: false, summary: `check mode: would run ipactl ${verb}` };
      const [r] = await runIpaSteps(remote, ctx, serviceSteps(verb));
      const lines = `${r?.stdout ?? ''}\n${r?.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
      return {
        changed: verb !== 'status',
        summary: verb === 'status' ? lines.join('; ') : `ipactl ${verb} done`,
        output: { lines },
        ...(verb === 'stop' ? { undo: { do: 'ipa.service.start', with: {} } } : {}),
      };
    },
  };
}

export const ipaServiceStop = serviceAction('stop', 'Stop every IPA service on this host (ipactl stop)');
export const ipaServiceStart = serviceAction('start', 'Start every IPA service on this host (ipactl start)');
/** ipactl status exits non-zero when a service is down: the step fails and says which. */
export const ipaServiceStatus = serviceAction('status', 'Show the state of every IPA service (ipactl status); fails when one is not running');
