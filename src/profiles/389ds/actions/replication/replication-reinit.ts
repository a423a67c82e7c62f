import { setTimeout as sleep } from 'node:timers/promises';
import type { InventoryHost } from '../../../../inventory/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { hostSuffixes, instanceName } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { AGREEMENT_ATTRS, listAgreements, sameDn, type Agreement } from './agreements.ts';
import { fencedHosts, FENCED_RESULT, isFenced } from './fenced.ts';
import { enabledLdif } from './enabled-ldif.ts';
import { readDisabledRecord } from './disabled-record.ts';
import { replaceRecord } from './ldif-build.ts';
import { markReinitDone, parentsFor, reinitPlanOf, waitForParent, type ReinitPlan } from './reinit-per-suffix.ts';
import { flowControlPlan, reinitFlowControl, withReinitFlowControl } from './reinit-flow-control.ts';
import { assessInit, generalizedTimeMs } from './reinit-status.ts';
import { waitAgreementChange, waitChangeCommand } from './reinit-wait.ts';
import { progressText, type Progress } from '../../../../actions/progress.ts';
import { endOf } from '../provision/remote-step.ts';

/**
 * Re-initializes this host (the consumer) from its parent in the topology waves, or an explicit
 * `from`: a total update along the supplier's agreement to this host, for each shared suffix.
 */

export interface InitRecord {
  suffix: string;
  agreement: string;
  trigger: string;
  start: string;
  end: string;
  /** From the server's own timestamps (1 s resolution). */
  serverSeconds: number;
  attempts: number;
  enabledAgreement: boolean;
  /** The agreement was off before the run: switched off again after the init. */
  switchedBackOff?: boolean;
}

function supplierOf(ctx: ActionContext): InventoryHost | 'auto' | undefined {
  const name = (ctx.args.from as string | undefined) || (ctx.vars.parent as string | undefined);
  if (!name) return undefined;
  // `plan` shows a supplier an earlier step decides as `<… known at run time>`: chosen like auto.
  if (name === 'auto' || (ctx.check && /^<.*>$/.test(name))) return 'auto';
  const h = ctx.inventory.hosts.find((x) => x.name === name);
  if (!h) throw new ActionError(`replication.reinit: supplier "${name}" is not an inventory host`);
  return h;
}

/**
 * `from: auto`: the first other host (inventory order) that answers within 10 s and has an
 * agreement to this host for every suffix to re-initialize: a healthy peer. Every candidate is
 * asked at once: one by one, each host down ahead of the right one cost its 10 s (three in a lost
 * data centre: 30 s before the first question to the other one).
 */
async function pickSupplier(ctx: ActionContext, only?: string[]): Promise<InventoryHost> {
  const candidates = ctx.inventory.hosts.flatMap((h) => {
    if (h.name === ctx.host.name || fencedHosts(ctx).includes(h.name)) return [];
    // `only`: these suffixes, from a host holding every one of them.
    const suffixes = only ? (only.every((s) => hostSuffixes(ctx.inventory, h).some((x) => sameDn(x, s))) ? only : []) : sharedSuffixes(ctx, h);
    return suffixes.length ? [{ host: h, suffixes }] : [];
  });
  const answers = candidates.map(async ({ host: h, suffixes }): Promise<string | undefined> => {
    try {
      const probe = (async () => {
        const remote = await ctx.connect(h.name);
        return listAgreements(remote, ctx.inventory, h.name, instanceName(ctx.inventory, h), suffixes, { signal: ctx.signal });
      })();
      probe.catch(() => undefined);
      const agreements = await Promise.race([probe, sleep(10_000).then(() => undefined)]);
      if (!agreements) return `${h.name} (no answer)`;
      if (suffixes.every((s) => agreements.some((a) => a.peer === ctx.host.name && sameDn(a.suffix, s)))) return undefined;
      return `${h.name} (no agreement to ${ctx.host.name})`;
    } catch (err) {
      return `${h.name} (${err instanceof Error ? err.message : String(err)})`;
    }
  });
  // The first in inventory order that qualifies, as soon as it and every one before it answered.
  const tried: string[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const problem = await answers[i]!;
    if (problem === undefined) return candidates[i]!.host;
    tried.push(problem);
  }
  throw new ActionError(`no healthy peer to re-initialize ${ctx.host.name}${only ? ` (${only.join(', ')})` : ''} from: ${tried.join(', ') || 'no other host holds its suffixes'}`);
}

/** Of `suffixes`, those the supplier has an agreement to this host for (one search on the supplier). */
async function withAgreementTo(ctx: ActionContext, supplier: InventoryHost, suffixes: string[]): Promise<string[]> {
  if (suffixes.length === 0) return suffixes;
  const remote = await ctx.connect(supplier.name);
  const agreements = await listAgreements(remote, ctx.inventory, supplier.name, instanceName(ctx.inventory, supplier), suffixes, { signal: ctx.signal });
  return suffixes.filter((s) => agreements.some((a) => a.peer === ctx.host.name && sameDn(a.suffix, s)));
}

/** Suffixes both ends hold, unless the step names them. */
function sharedSuffixes(ctx: ActionContext, supplier: InventoryHost): string[] {
  const arg = ctx.args.suffixes;
  if (Array.isArray(arg)) return arg.map(String);
  if (typeof arg === 'string' && arg !== 'all') return [arg];
  const mine = hostSuffixes(ctx.inventory, ctx.host);
  return hostSuffixes(ctx.inventory, supplier).filter((s) => mine.some((m) => sameDn(m, s)));
}

/** The remote clock, read right before the refresh is set: LastInitStart is compared to it. */
export function triggerCommand(instance: string): string {
  return `date -u +%Y%m%d%H%M%SZ && ${modifyCommand(instance)}`;
}

export function refreshLdif(agreementDn: string): string {
  return replaceRecord(agreementDn, 'nsds5BeginReplicaRefresh', ['start']);
}

async function trigger(ctx: ActionContext, remote: RemoteHost, instance: string, dn: string): Promise<string> {
  const command = triggerCommand(instance);
  const r = await remote.exec(command, { stdin: refreshLdif(dn), signal: ctx.signal });
  const when = r.stdout.split('\n')[0]?.trim() ?? '';
  if (r.code !== 0 || generalizedTimeMs(when) === undefined) {
    throw new ActionError(`${remote.name}: could not start the re-init along ${dn} (${endOf(r)}): ${r.stderr.trim().split('\n').pop() ?? ''}`, {
      command,
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return when;
}

/**
 * Tells the live view where a total update stands, as a person reads it:
 * `ds2 ← ds1 dc=lab,dc=test: total update running, 2 s` (at most once per second of change).
 */
function reinitProgress(ctx: ActionContext, supplier: string, suffix: string, began: number): (phase: string) => void {
  let last = '';
  return (phase) => {
    const progress: Progress = { phase, peer: supplier, direction: 'from', suffix, elapsedMs: Date.now() - began };
    const message = progressText(ctx.host.name, progress);
    if (message === last) return;
    last = message;
    ctx.emit({ kind: 'progress', message, progress });
  };
}

export async function initOne(ctx: ActionContext, remote: RemoteHost, supplier: InventoryHost, suffix: string): Promise<InitRecord> {
  const instance = instanceName(ctx.inventory, supplier);
  const agreements = await listAgreements(remote, ctx.inventory, supplier.name, instance, [suffix], { signal: ctx.signal });
  const agmt = agreements.find((a) => a.peer === ctx.host.name);
  if (!agmt) {
    throw new ActionError(
      `${supplier.name} has no agreement to ${ctx.host.name} for ${suffix} (it has: ${agreements.map((a) => a.peer ?? a.peerAddress).join(', ') || 'none'})`,
    );
  }
  // 389-ds refuses a total update on a disabled agreement. Enable it in its own modify: measured on
  // the lab, nsds5ReplicaEnabled: on and nsds5BeginReplicaRefresh: start in ONE modify made the
  // supplier begin the total update 120 s later (twice), against 0.3-0.4 s as two modifies.
  const enabledAgreement = !agmt.enabled;
  if (enabledAgreement) await ldapModify(remote, instance, enabledLdif([agmt.dn], true), { signal: ctx.signal });
  // Off before this run (the run disabled the supplier's agreements and its record lacks this one):
  // the administrator's choice, put back once the init is over, so "re-enable exactly what was
  // enabled before" holds. Without a record (no disable step in this run) it stays on, as before.
  const record = enabledAgreement ? await readDisabledRecord(ctx.runDir, supplier.name) : undefined;
  const offBefore = !!record && !record.some((dn) => sameDn(dn, agmt.dn));
  let done: InitRecord | undefined;
  try {
    done = await withReinitFlowControl(ctx, remote, supplier.name, instance, agmt.dn, () => totalUpdate(ctx, remote, supplier, suffix, agmt, enabledAgreement));
  } finally {
    if (offBefore) await ldapModify(remote, instance, enabledLdif([agmt.dn], false), { signal: ctx.signal });
  }
  return offBefore ? { ...done, switchedBackOff: true } : done;
}

/**
 * A partition is silent (DESIGN): measured here, a consumer cut off mid-update left the supplier's
 * total update "running" on a dead TCP connection, and the run waited out timeout_s (15 min). The
 * consumer is asked directly now and then; one that does not answer within 20 s stops the step.
 */
async function consumerAnswers(ctx: ActionContext, supplier: string, suffix: string): Promise<void> {
  const r = await (await ctx.connect()).exec('true', { signal: ctx.signal, timeoutMs: 20_000 }).catch((e: Error) => ({ code: null, error: e.message }));
  if (r.code === 0) return;
  throw new ActionError(`${ctx.host.name} stopped answering during the total update of ${suffix} from ${supplier} (host down or network cut): the update cannot finish; once it answers again, resume`);
}

/** Triggers the total update along `agmt` and waits until the supplier says it really finished. */
async function totalUpdate(ctx: ActionContext, remote: RemoteHost, supplier: InventoryHost, suffix: string, agmt: Agreement, enabledAgreement: boolean): Promise<InitRecord> {
  const instance = instanceName(ctx.inventory, supplier);
  const timeoutMs = Number(ctx.args.timeout_s ?? 900) * 1000;
  const retries = Number(ctx.args.retries ?? 10);
  const pollMs = Number(ctx.args.poll_ms ?? 100);
  // An init that never starts (refresh gone, start unchanged) is a failure after this grace.
  const startGraceMs = 30_000;
  const began = Date.now();
  const tell = reinitProgress(ctx, supplier.name, suffix, began);
  // Seen once in four rebuilds here: "Error (-11) connection error: Unknown connection error (-11) -
  // Total update aborted" on a consumer created seconds before; asked again, the update went through.
  const dropRetries = Number(ctx.args.dropped_retries ?? 2);
  let drops = 0;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const asked = await trigger(ctx, remote, instance, agmt.dn);
    const deadline = Date.now() + timeoutMs;
    let refreshGoneAt: number | undefined;
    const again = attempt > 1 ? ` (attempt ${attempt})` : '';
    tell(`total update asked${again}`);
    let seen = '';
    let probedAt = Date.now();
    for (;;) {
      if (Date.now() - probedAt >= Number(ctx.args.consumer_probe_s ?? 30) * 1000) {
        await consumerAnswers(ctx, supplier.name, suffix);
        probedAt = Date.now();
      }
      const next = await waitAgreementChange(ctx, remote, supplier.name, instance, agmt.dn, seen, pollMs);
      seen = next.text;
      const now = next.agreement;
      const s = assessInit(now, asked);
      // nsds5BeginReplicaRefresh stays set while the update runs: a start at or after the ask says it runs.
      const started = (generalizedTimeMs(now.lastInitStart) ?? 0) >= (generalizedTimeMs(asked) ?? 0) || /in progress/i.test(now.lastInitStatus ?? '');
      if (s.state === 'waiting') tell(`${started ? 'total update running' : 'waiting for the supplier to start the total update'}${again}`);
      if (s.state === 'done') {
        const serverSeconds = ((generalizedTimeMs(s.end) ?? 0) - (generalizedTimeMs(s.start) ?? 0)) / 1000;
        return { suffix, agreement: agmt.dn, trigger: asked, start: s.start, end: s.end, serverSeconds, attempts: attempt, enabledAgreement };
      }
      if (s.state === 'failed' || (s.state === 'dropped' && drops >= dropRetries)) {
        throw new ActionError(`${supplier.name} -> ${ctx.host.name}: re-init of ${suffix} failed: ${s.status}${s.state === 'dropped' ? ` (asked ${drops + 1} times)` : ''}`);
      }
      if (s.state === 'dropped') {
        drops++;
        ctx.emit({ kind: 'warning', message: `${supplier.name} -> ${ctx.host.name}: the total update of ${suffix} lost its connection (${s.status}); asking again` });
        break;
      }
      if (s.state === 'busy') {
        ctx.emit({ kind: 'warning', message: `${ctx.host.name} replica busy; retrying the re-init of ${suffix}` });
        break;
      }
      if (!now.refreshPending) refreshGoneAt ??= Date.now();
      if (refreshGoneAt !== undefined && Date.now() - refreshGoneAt > startGraceMs && !started) {
        throw new ActionError(`${supplier.name} -> ${ctx.host.name}: re-init of ${suffix} never started (${now.lastInitStatus ?? 'no status'})`);
      }
      if (Date.now() > deadline) {
        throw new ActionError(
          `${supplier.name} -> ${ctx.host.name}: re-init of ${suffix} did not finish within ${timeoutMs / 1000} s (${s.why})`,
          { hint: 'a 10k-entry total update takes 5-25 s; a consumer that cannot be reached fails after ~100 s' },
        );
      }
    }
    // Past the previous start second (LastInitStart has 1 s resolution), so the next one is
    // unambiguous. The consumer is busy while another supplier's incremental session holds it:
    // tenths of a second. 3 s here cost the P2 bench's single re-init 3 s of its 4 s.
    await sleep(Number(ctx.args.busy_delay_s ?? 1) * 1000, undefined, { signal: ctx.signal });
  }
  throw new ActionError(`${supplier.name} -> ${ctx.host.name}: replica still busy after ${retries + 1} attempts to re-init ${suffix}`);
}

export const replicationReinit: Action = {
  name: 'replication.reinit',
  description: 'Re-initialize this host from its topology parent (or `from`): total update per suffix with the agreement\'s flow-control pause shortened for it (put back after), waiting until it really finished',
  destructive: true,
  args: {
    from: { type: 'string', description: 'Supplier host, or `auto` (the first reachable peer with an agreement to this host); default: the parent from `order: topology`' },
    suffixes: { type: 'any', default: 'all', description: 'Suffixes to re-initialize; default: every suffix both hosts hold' },
    timeout_s: { type: 'number', default: 900, description: 'Per suffix; 10k entries take 5-25 s' },
    retries: { type: 'number', default: 10, description: 'Re-triggers after "replica busy"' },
    dropped_retries: { type: 'number', default: 2, description: 'Re-triggers after a total update lost its connection once begun (-11 "Total update aborted"); a consumer that cannot be reached at all (-1) fails at once' },
    busy_delay_s: { type: 'number', default: 1, description: 'Pause before re-triggering after "replica busy" (at least 1: the servers stamp the init start to the second)' },
    consumer_probe_s: { type: 'number', default: 30, description: 'How often a running total update checks that this host still answers (a cut consumer otherwise leaves the update hanging until timeout_s)' },
    poll_ms: { type: 'number', default: 100, description: 'How often the supplier reads the agreement entry while waiting (on the supplier: the controller hears only of changes)' },
    flow_window: { type: 'any', default: '', description: 'nsds5ReplicaFlowControlWindow during the re-init (entries in flight; 389-ds default 1000); put back afterwards; "" leaves it alone' },
    flow_pause_ms: { type: 'any', default: '100', description: 'nsds5ReplicaFlowControlPause during the re-init (389-ds default 2000 ms); put back afterwards; "" leaves it alone' },
  },
  plan(ctx): PlannedCommand[] {
    const chosen = supplierOf(ctx);
    if (chosen === 'auto') {
      return [{ host: ctx.host.name, command: '(controller) choose the supplier', note: `from: auto — the first reachable host with an agreement to ${ctx.host.name}; then as for an explicit from` }];
    }
    const supplier = chosen;
    if (!supplier || supplier.name === ctx.host.name) return [];
    const inst = instanceName(ctx.inventory, supplier);
    const shared = sharedSuffixes(ctx, supplier);
    const all = ctx.args.suffixes === undefined || ctx.args.suffixes === 'all';
    const rest = all ? hostSuffixes(ctx.inventory, ctx.host).filter((s) => !shared.some((x) => sameDn(x, s))) : [];
    const elsewhere: PlannedCommand[] = rest.map((suffix) => ({
      host: ctx.host.name,
      command: '(controller) choose the supplier',
      note: `${supplier.name} does not hold ${suffix}: the first reachable host holding it with an agreement to ${ctx.host.name}; then as for ${supplier.name}`,
    }));
    return elsewhere.concat(shared.flatMap((suffix) => [
      { host: supplier.name, command: searchCommand(inst, 'cn=mapping tree,cn=config', 'sub', '(objectClass=nsds5replicationagreement)', AGREEMENT_ATTRS), note: `find the agreement to ${ctx.host.name} for ${suffix}${ctx.args.from ? `; when ${supplier.name} has none, the first reachable host holding ${suffix} with one sends it` : ''}` },
      { host: supplier.name, command: modifyCommand(inst), stdin: 'LDIF: nsds5ReplicaEnabled: on (only if the agreement is off)' },
      ...flowControlPlan(supplier.name, inst, reinitFlowControl(ctx.args), [
        { host: supplier.name, command: triggerCommand(inst), stdin: `LDIF: nsds5BeginReplicaRefresh: start on the agreement to ${ctx.host.name}` },
        { host: supplier.name, command: waitChangeCommand(inst, '<agreement dn>', Number(ctx.args.poll_ms ?? 100), 5), stdin: 'the entry last seen', note: 'repeated until LastInitStart >= trigger, refresh gone, LastInitEnd set' },
      ]),
      { host: supplier.name, command: modifyCommand(inst), stdin: 'LDIF: nsds5ReplicaEnabled: off (only if the agreement was off before this run: this run disabled the supplier\'s agreements and did not record it)' },
    ]));
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const plan = ctx.args.from ? undefined : reinitPlanOf(ctx);
    if (plan) return reinitAlongPlan(ctx, plan);
    const chosen = supplierOf(ctx);
    // A fenced parent cannot send anything: any healthy peer will do.
    const supplier = chosen === 'auto' || (chosen && fencedHosts(ctx).includes(chosen.name)) ? await pickSupplier(ctx) : chosen;
    if (!supplier || supplier.name === ctx.host.name) return { changed: false, summary: 'source of the re-init; nothing to do' };
    const held = sharedSuffixes(ctx, supplier);
    // The servers' topology decides which peer sends a suffix: a named supplier (ca-replica-rebuild's
    // CA host in one data centre) may hold a suffix it has no agreement to this host for (its domain
    // peer is in the other data centre); that suffix comes from a peer that has one.
    const shared = chosen !== 'auto' && ctx.args.from ? await withAgreementTo(ctx, supplier, held) : held;
    // Every suffix this host holds (unless the step names them): one the supplier lacks (o=extra
    // beside a CA source without it) comes from a peer that holds it, never left empty.
    const all = ctx.args.suffixes === undefined || ctx.args.suffixes === 'all';
    const rest = [...held.filter((s) => !shared.includes(s)), ...(all ? hostSuffixes(ctx.inventory, ctx.host).filter((s) => !held.some((x) => sameDn(x, s))) : [])];
    const pairs = [...shared.map((suffix) => ({ suffix, from: supplier })), ...(await Promise.all(rest.map(async (suffix) => ({ suffix, from: await pickSupplier(ctx, [suffix]) }))))];
    const inits = await allSuffixes(pairs, async ({ suffix, from }) => {
      const init = { ...(await initOne(ctx, await ctx.connect(from.name), from, suffix)), from: from.name };
      await markReinitDone(ctx.runDir, ctx.host.name, suffix);
      return init;
    });
    return {
      changed: true,
      summary: inits.map((i) => `${i.suffix} from ${i.from} in ${i.serverSeconds} s${i.attempts > 1 ? ` (${i.attempts} attempts)` : ''}`).join('; '),
      output: { host: ctx.host.name, from: [...new Set(inits.map((i) => i.from))].join(','), inits },
    };
  },
};

/**
 * A host's suffixes are separate replicas with their own agreements: their total updates run side
 * by side (the second no longer waits for the first). Every one is waited for before a failure is
 * reported, so the step never ends with a total update still running.
 */
async function allSuffixes<T, R>(items: T[], one: (item: T) => Promise<R>): Promise<R[]> {
  const settled = await Promise.allSettled(items.map(one));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}

/** Each suffix from its own parent in topology.discover's per-suffix plan (fact `reinit_plan`). */
async function reinitAlongPlan(ctx: ActionContext, plan: ReinitPlan) {
  const arg = ctx.args.suffixes;
  const only = Array.isArray(arg) ? arg.map(String) : typeof arg === 'string' && arg !== 'all' ? [arg] : undefined;
  const pairs = parentsFor(plan, ctx.host.name, only);
  if (pairs.length === 0) return { changed: false, summary: 'the re-initialization plan gives this host nothing to receive' };
  const timeoutMs = Number(ctx.args.timeout_s ?? 900) * 1000;
  const inits = await allSuffixes(pairs, async ({ suffix, parent }) => {
    await waitForParent(ctx, plan, parent, suffix, timeoutMs);
    const supplier = ctx.inventory.hosts.find((h) => h.name === parent);
    if (!supplier) throw new ActionError(`replication.reinit: plan parent "${parent}" is not an inventory host`);
    const init = { ...(await initOne(ctx, await ctx.connect(parent), supplier, suffix)), from: parent };
    await markReinitDone(ctx.runDir, ctx.host.name, suffix);
    return init;
  });
  return {
    changed: true,
    summary: inits.map((i) => `${i.suffix} from ${i.from} in ${i.serverSeconds} s${i.attempts > 1 ? ` (${i.attempts} attempts)` : ''}`).join('; '),
    output: { host: ctx.host.name, from: [...new Set(inits.map((i) => i.from))].join(','), inits },
  };
}
