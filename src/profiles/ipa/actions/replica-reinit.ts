import { FENCED_RESULT, isFenced } from '../../389ds/actions/replication/fenced.ts';
import { caSuffix, mainSuffixes } from '../../389ds/actions/host-vars.ts';
import { markReinitDone, parentsFor, reinitPlanOf, waitForParent } from '../../389ds/actions/replication/reinit-per-suffix.ts';
import { sameDn, type Agreement } from '../../389ds/actions/replication/agreements.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { csreplicaManageReinit, replicaManageReinit } from '../commands.ts';
import { fqdnOf, hostByName, IPA_FACTS_COMMAND, ipaFacts } from '../host-facts.ts';
import { plannedStep, runIpaSteps, type IpaStep } from '../steps.ts';

type Which = 'domain' | 'ca' | 'both';
const DM_NOTE = 'Directory Manager password ***';

/** The DN of a suffix kind on this host: the domain suffix, or o=ipaca. */
function suffixDn(ctx: ActionContext, which: 'domain' | 'ca'): string | undefined {
  return which === 'ca' ? (caSuffix(ctx.inventory, ctx.host) ?? 'o=ipaca') : mainSuffixes(ctx.inventory, ctx.host)[0];
}

/**
 * Where a suffix comes from: `from:` when given; else this host's parent for THAT suffix in
 * topology.discover's per-suffix plan (the CA topology can be sparser than the domain one, and
 * the engine's wave parent comes from their union); else the engine's topology parent.
 */
function source(ctx: ActionContext, which: 'domain' | 'ca' = 'domain'): string {
  const dn = suffixDn(ctx, which);
  const plan = reinitPlanOf(ctx);
  const planned = plan && dn && !ctx.args.from ? parentsFor(plan, ctx.host.name, [dn])[0]?.parent : undefined;
  const name = (ctx.args.from as string | undefined) || planned || (ctx.vars.parent as string | undefined);
  if (!name) throw new ActionError(`ipa.replica.reinit on ${ctx.host.name}: no host to re-initialize from (give from:, or use order: topology with a from host)`);
  if (name === ctx.host.name) throw new ActionError(`ipa.replica.reinit: ${ctx.host.name} cannot be re-initialized from itself`);
  return name;
}

/**
 * The suffixes, each with its own tool, run ON the host being re-initialized (both tools pull
 * from --from): the domain suffix with ipa-replica-manage, o=ipaca with ipa-csreplica-manage on
 * CA hosts only, and only from a CA host (seed 001: "ipa-replica-manage re-initialize --from=").
 */
export function reinitSteps(ctx: ActionContext, password?: string): IpaStep[] {
  const which = String(ctx.args.suffix ?? 'both') as Which;
  if (!['domain', 'ca', 'both'].includes(which)) throw new ActionError(`ipa.replica.reinit: suffix must be domain, ca or both (got ${JSON.stringify(which)})`);
  fqdnOf(ctx.inventory, ctx.host);
  const stdin = password === undefined ? {} : { stdin: `${password}\n` };
  const steps: IpaStep[] = [];
  if (which !== 'ca') {
    const from = hostByName(ctx.inventory, source(ctx, 'domain'));
    steps.push({ argv: replicaManageReinit(fqdnOf(ctx.inventory, from)), what: `re-initializing the domain suffix from ${from.name}`, stdinNote: `${DM_NOTE} (read only when no Kerberos ticket works)`, ...stdin, timeoutMs: 4 * 3_600_000 });
  }
  const wantsCa = which === 'ca' || (which === 'both' && ctx.host.roles.includes('ca'));
  if (wantsCa) {
    const from = hostByName(ctx.inventory, source(ctx, 'ca'));
    if (!ctx.host.roles.includes('ca')) throw new ActionError(`ipa.replica.reinit: ${ctx.host.name} has no ca role, so it holds no o=ipaca to re-initialize`);
    if (!from.roles.includes('ca')) throw new ActionError(`ipa.replica.reinit: the CA suffix of ${ctx.host.name} must come from a CA host; ${from.name} has no ca role`);
    steps.push({ argv: csreplicaManageReinit(fqdnOf(ctx.inventory, from)), what: `re-initializing o=ipaca from ${from.name}`, stdinNote: DM_NOTE, ...stdin, timeoutMs: 4 * 3_600_000 });
  }
  return steps;
}

/**
 * ipa-csreplica-manage re-initialize pulls along the source's o=ipaca agreement to this host
 * ("Unable to find %s -> %s replication agreement" otherwise). The CA topology can be sparser than
 * the domain one, so when topology.discover left the agreements as a fact, a source without one is
 * refused before anything runs, naming the CA servers that have one.
 */
export function caAgreementProblem(ctx: ActionContext, from: string): string | undefined {
  const list = ctx.vars.agreements;
  if (!Array.isArray(list)) return undefined;
  const ca = caSuffix(ctx.inventory, ctx.host) ?? 'o=ipaca';
  const toMe = (list as Agreement[]).filter((a) => a.peer === ctx.host.name && sameDn(a.suffix, ca));
  if (toMe.some((a) => a.host === from)) return undefined;
  const others = [...new Set(toMe.map((a) => a.host))];
  return `ipa.replica.reinit: ${from} has no ${ca} agreement to ${ctx.host.name}, so ipa-csreplica-manage cannot pull from it (the CA topology differs from the domain one); ${others.length ? `re-initialize it from one that has: ${others.join(', ')} (from: …)` : `no server has one to ${ctx.host.name}`}`;
}

/** The suffix whose source names the run's output: the domain one unless only o=ipaca is pulled. */
const which0 = (ctx: ActionContext): 'domain' | 'ca' => (String(ctx.args.suffix ?? 'both') === 'ca' ? 'ca' : 'domain');

export const ipaReplicaReinit: Action = {
  name: 'ipa.replica.reinit',
  description:
    'Re-initialize this IdM server from another: the domain suffix with ipa-replica-manage re-initialize --from, o=ipaca with ipa-csreplica-manage re-initialize --from (CA hosts); the Directory Manager password on stdin. Both tools enable the pair\'s agreements and wait for the total update',
  destructive: true,
  args: {
    from: { type: 'string', description: 'Host to pull from; default: the parent from `order: topology`' },
    suffix: { type: 'string', default: 'both', description: 'domain, ca, or both (ca only on CA hosts, and only from a CA host)' },
    dm_password_secret: { type: 'string', default: 'dm_password', secretSource: 'inventory', description: 'inventory secret holding the Directory Manager password' },
  },
  plan(ctx) {
    const host = ctx.host.name;
    return [{ host, command: IPA_FACTS_COMMAND, note: 'IdM tools present' }, ...reinitSteps(ctx).map((s) => plannedStep(host, s))];
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const steps0 = reinitSteps(ctx);
    const caProblem = steps0.some((s) => s.argv[0] === 'ipa-csreplica-manage') ? caAgreementProblem(ctx, source(ctx, 'ca')) : undefined;
    if (caProblem) throw new ActionError(caProblem);
    const remote = await ctx.connect();
    await ipaFacts(remote, ctx, ['ipa-replica-manage', 'ipa-csreplica-manage']);
    if (ctx.check) return { changed: false, summary: `check mode: would re-initialize ${ctx.host.name} from ${source(ctx, which0(ctx))}` };
    const password = await ctx.secret(String(ctx.args.dm_password_secret ?? 'dm_password'));
    const steps = reinitSteps(ctx, password);
    const t0 = Date.now();
    const plan = reinitPlanOf(ctx);
    for (const s of steps) {
      const which = s.argv[0] === 'ipa-csreplica-manage' ? 'ca' : 'domain';
      const dn = suffixDn(ctx, which);
      // A per-suffix parent other than the wave's parent may still be receiving that suffix.
      if (plan && dn) await waitForParent(ctx, plan, source(ctx, which), dn, s.timeoutMs ?? 4 * 3_600_000);
      await runIpaSteps(remote, ctx, [s]);
      if (plan && dn) await markReinitDone(ctx.runDir, ctx.host.name, dn);
    }
    const from = [...new Set(steps.map((s) => source(ctx, s.argv[0] === 'ipa-csreplica-manage' ? 'ca' : 'domain')))].join(' and ');
    return { changed: true, summary: `${ctx.host.name} re-initialized from ${from} (${steps.map((s) => s.argv[0]).join(', ')}) in ${Date.now() - t0} ms`, output: { from: source(ctx, which0(ctx)) } };
  },
};
