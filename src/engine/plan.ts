import { join, resolve } from 'node:path';
import { getAction } from '../actions/registry.ts';
import type { Step } from '../playbook/types.ts';
import { mask, maskDeep } from '../util/secrets.ts';
import { applyArgSpec } from './args.ts';
import { actionContext, SecretCache } from './context.ts';
import { evalWhen, render, renderDeep, selectHosts } from './deps.ts';
import { loadRun, type LoadedRun } from './load.ts';
import type { PlanHost, PlanOptions, PlanOutput } from './types.ts';
import { stepUnits } from './units.ts';
import { needsUpFrontAnswer } from './up-front.ts';
import { hostVars, stepVars, type RunState } from './vars.ts';

/**
 * Plan mode knows params and the inventory but not what earlier steps will register or discover:
 * such templates are shown as `<from step N>` instead of failing.
 */
function placeholders(value: unknown, known: Set<string>, registeredAt: Map<string, number>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*(?:not\s+)?([A-Za-z_]\w*)[^}]*\}\}/g, (whole, root: string) => {
      if (registeredAt.has(root)) return `<from step ${registeredAt.get(root)! + 1}>`;
      return known.has(root) ? whole : `<${root}: known at run time>`;
    });
  }
  if (Array.isArray(value)) return value.map((v) => placeholders(v, known, registeredAt));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v, known, registeredAt)]));
  }
  return value;
}

const errText = (e: unknown) => mask(e instanceof Error ? e.message : String(e));

/** Per step and host, the exact commands a run would send (secrets masked); connects to nothing. */
export async function planRun(opts: PlanOptions): Promise<PlanOutput> {
  const loaded = await loadRun(opts.playbookFile, opts.inventoryFile, opts.params, {
    limit: opts.limit,
    resolveSecrets: false,
  });
  return planLoaded(loaded, opts);
}

/** The plan of a run already loaded: `plan` prints it, `run` refuses to start when it has problems. */
export async function planLoaded(loaded: Pick<LoadedRun, 'inventory' | 'playbook' | 'state'>, opts: Pick<PlanOptions, 'limit' | 'stateDir'>): Promise<PlanOutput> {
  const { inventory, playbook } = loaded;
  // Plan on a copy: registered outputs and facts must not leak into the run's own state.
  const state = { ...loaded.state, registered: {}, facts: {} };
  const registeredAt = new Map<string, number>();
  const secrets = new SecretCache(inventory);
  const runDir = join(resolve(opts.stateDir ?? '.lifeboat'), 'runs', '<run id>');
  const out: PlanOutput = { problems: [], summary: { destructive: [], confirmations: [], pointsOfNoReturn: [], hosts: [] }, steps: [] };
  const touched = new Set<string>();
  if (needsUpFrontAnswer(playbook, inventory.profile)) {
    const name = playbook.name || playbook.file;
    try {
      out.confirm = playbook.confirm ? render(playbook.confirm, stepVars(state)) : `Go ahead with ${name}?`;
    } catch {
      out.confirm = playbook.confirm ?? `Go ahead with ${name}?`;
    }
    // The summary said "confirmations: none" under "Asks once, before step 1": the up-front question counts.
    out.summary.confirmations.push('once, before step 1 (unless --yes)');
  }
  for (const step of playbook.steps) {
    const entry: PlanOutput['steps'][number] = { index: step.index, name: step.name, action: step.do, hosts: [], order: step.order };
    if (step.when) entry.when = step.when;
    if (step.confirm) entry.confirm = typeof step.confirm === 'string' ? mask(step.confirm) : 'asks before running unless --yes';
    out.steps.push(entry);
    const label = `step ${step.index + 1} "${step.name}"`;
    try {
      entry.hosts = await planStep(step, state, opts.limit, registeredAt, secrets, runDir, entry);
    } catch (e) {
      entry.note = `cannot plan: ${errText(e)}`;
      out.problems.push(`${label}: ${errText(e)}`);
    }
    for (const h of entry.hosts) {
      if (h.note?.startsWith('cannot plan: ')) out.problems.push(`${label} on ${h.host}: ${h.note.slice('cannot plan: '.length)}`);
      if (!h.note?.startsWith('skipped')) touched.add(h.host);
    }
    if (getAction(step.do, state.inventory.profile)?.destructive || step.confirm) out.summary.destructive.push(label);
    if (step.confirm) out.summary.confirmations.push(label);
    if (step.undoBarrier) out.summary.pointsOfNoReturn.push(label);
    if (step.register) registeredAt.set(step.register, step.index);
  }
  out.summary.hosts = inventory.hosts.map((h) => h.name).filter((n) => touched.has(n));
  return maskDeep(out);
}

async function planStep(
  step: Step, state: RunState, limit: string | undefined, registeredAt: Map<string, number>,
  secrets: SecretCache, runDir: string, entry: PlanOutput['steps'][number],
): Promise<PlanHost[]> {
  const action = getAction(step.do, state.inventory.profile);
  if (!action) throw new Error(`unknown action "${step.do}"`);
  const known = new Set(Object.keys(stepVars(state)));
  // Facts are discovered by the run (`facts.ca_source`, `topology`): plan shows them as run-time values.
  for (const f of ['facts', ...Object.keys(state.facts)]) if (!(f in state.inventory.vars)) known.delete(f);
  const on = placeholders(step.on, known, registeredAt) as string;
  if (on.includes('<')) {
    entry.note = `hosts decided at run time (${step.on})`;
    return [];
  }
  const hosts = selectHosts(state.inventory, render(on, stepVars(state)), limit);
  if (hosts.length === 0 && !step.allowEmpty && selectHosts(state.inventory, render(on, stepVars(state))).length === 0) {
    throw new Error(`"${step.on}" matches no host; add allow_empty: true to the step if that is expected`);
  }
  const stepForUnits = { ...step, from: step.from === undefined ? undefined : (placeholders(step.from, known, registeredAt) as string) };
  const { units, graphSource } = stepUnits(stepForUnits, state, hosts);
  if (step.order === 'topology' && graphSource !== 'fact') {
    entry.note = `waves from ${graphSource === 'inventory' ? 'the inventory vars.topology' : 'a star around the from host'}; a run uses the discovered topology when an earlier step sets it`;
  }
  const names = hosts.map((h) => h.name);
  const hostKnown = new Set([...known, 'host', 'host_vars', 'parent']);
  const out: PlanHost[] = [];
  for (const u of units) {
    const ph: PlanHost = { host: u.host.name, commands: [] };
    out.push(ph);
    if (step.order === 'topology') ph.parent = u.parent;
    const vars = hostVars(state, u.host, names, step.order === 'topology' ? { parent: u.parent } : {});
    if (step.when) {
      try {
        if (!evalWhen(placeholders(step.when, hostKnown, registeredAt) as string, vars)) {
          ph.note = `skipped: when ${step.when}`;
          continue;
        }
      } catch {
        ph.note = `runs only when ${step.when} (decided at run time)`;
      }
    }
    try {
      const args = applyArgSpec(action, renderDeep(placeholders(step.with, hostKnown, registeredAt), vars) as Record<string, unknown>);
      const ctx = actionContext({
        step: step.index, host: u.host, inventory: state.inventory, args, vars, connector: null, secrets,
        signal: new AbortController().signal, timeoutMs: step.timeoutMs, runDir, check: true, records: [], emit: () => undefined,
      });
      ph.commands = await action.plan(ctx);
    } catch (e) {
      ph.note = `cannot plan: ${errText(e)}`;
    }
  }
  return out;
}
