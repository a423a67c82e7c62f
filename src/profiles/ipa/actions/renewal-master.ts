import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../actions/types.ts';
import { csreplicaSetRenewalMaster } from '../commands.ts';
import { fqdnOf, hostByName, IPA_FACTS_COMMAND, ipaFacts } from '../host-facts.ts';
import { renewalMaster } from '../idm-records.ts';
import { survivingCaTarget } from '../ca-target.ts';
import { plannedStep, runIpaSteps, type IpaStep } from '../steps.ts';
import { inventoryByFqdn, ipaServersDiscover, readIdm } from './servers-discover.ts';

/** The inventory's CA renewal master (role `renewal`): what the plan is made from. */
function inventoryRenewal(ctx: ActionContext): string | undefined {
  return ctx.inventory.hosts.find((h) => h.roles.includes('renewal'))?.name;
}

function target(ctx: ActionContext): string {
  return survivingCaTarget(ctx, 'ipa.ca.renewal-master', 'renew CA certificates');
}

function moveSteps(ctx: ActionContext, password?: string): IpaStep[] {
  const to = hostByName(ctx.inventory, target(ctx));
  return [{ argv: csreplicaSetRenewalMaster(fqdnOf(ctx.inventory, to)), what: `making ${to.name} the CA renewal master`, stdinNote: 'Directory Manager password ***', ...(password === undefined ? {} : { stdin: `${password}\n` }) }];
}

/**
 * When the lost host was the CA renewal master, another CA host must take the role, or nobody
 * renews the CA's own certificates. Run on the new renewal master (`to`). The plan follows the
 * inventory's `renewal` role; the run reads IdM's record first and refuses if the two differ, so
 * what runs is what was planned.
 */
export const ipaCaRenewalMaster: Action = {
  name: 'ipa.ca.renewal-master',
  description: 'If the lost host was the CA renewal master, make `to` the renewal master (ipa-csreplica-manage set-renewal-master, DM password on stdin); checks IdM\'s own record against the inventory first',
  args: {
    lost: { type: 'string', required: true, description: 'the lost host' },
    to: { type: 'string', required: true, description: 'a surviving CA host to take the role (run the step on it)' },
    dm_password_secret: { type: 'string', default: 'dm_password', secretSource: 'inventory', description: 'inventory secret holding the Directory Manager password' },
  },
  plan(ctx) {
    const host = ctx.host.name;
    const moves = inventoryRenewal(ctx) === ctx.args.lost;
    const out: PlannedCommand[] = [{ host, command: IPA_FACTS_COMMAND, note: 'IdM tools present' }, ...(ipaServersDiscover.plan(ctx) as PlannedCommand[]).map((c) => ({ ...c, note: 'IdM\'s records: its renewal master must match the inventory' }))];
    if (moves) out.push(...moveSteps(ctx).map((s) => plannedStep(host, s)));
    else out[out.length - 1]!.note = `then no change: the renewal master is ${inventoryRenewal(ctx) ?? 'not set in the inventory'}, not ${String(ctx.args.lost)}`;
    return out;
  },
  async run(ctx) {
    if (ctx.host.name !== target(ctx)) throw new ActionError(`ipa.ca.renewal-master runs on the new renewal master ${target(ctx)}, not on ${ctx.host.name}`);
    const remote = await ctx.connect();
    await ipaFacts(remote, ctx, ['ipa-csreplica-manage']);
    const { servers } = await readIdm(ctx, remote);
    const fqdn = renewalMaster(servers);
    const idm = fqdn ? (inventoryByFqdn(ctx.inventory).get(fqdn) ?? fqdn) : undefined;
    const inv = inventoryRenewal(ctx);
    if (idm !== inv) throw new ActionError(`IdM says the CA renewal master is ${idm ?? 'nobody'}, the inventory says ${inv ?? 'nobody'} (role renewal): fix the inventory and plan again`);
    if (inv !== ctx.args.lost) return { changed: false, summary: `the renewal master ${inv ?? '(none)'} survives: no change` };
    if (ctx.check) return { changed: false, summary: `check mode: would make ${ctx.host.name} the CA renewal master` };
    await runIpaSteps(remote, ctx, moveSteps(ctx, await ctx.secret(String(ctx.args.dm_password_secret ?? 'dm_password'))));
    return { changed: true, summary: `${ctx.host.name} is now the CA renewal master (was ${inv}); update the inventory's renewal role`, facts: { ca_renewal_master: ctx.host.name } };
  },
};
