import { join, resolve } from 'node:path';
import { getAction } from '../actions/registry.ts';
import type { Step } from '../playbook/types.ts';
import { mask, maskDeep } from '../util/secrets.ts';
import { applyArgSpec } from './args.ts';
import { actionContext, SecretCache } from './context.ts';
import { evalWhen, render, renderDeep, selectHosts } from './deps.ts';
import { loadRun } from './load.ts';
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
  const { inventory, playbook, state } = await loadRun(opts.playbookFile, opts.inventoryFile, opts.params, {
    limit: opts.limit,
    resolveSecrets: false,
  });
  const registeredAt = new Map<string, number>();
  const secrets = new SecretCache(inventory);
  const runDir = join(resolve(opts.stateDir ?? '.lifeboat'), 'runs', '<run id>');
  const out: PlanOutput = { steps: [] };
  if (needsUpFrontAnswer(playbook)) {
    const name = playbook.name || playbook.file;
    try {
      out.confirm = playbook.confirm ? render(playbook.confirm, stepVars(state)) : `Go ahead with ${name}?`;
    } catch {
      out.confirm = playbook.confirm ?? `Go ahead with ${name}?`;
    }
  }
  for (const step of playbook.steps) {
    const entry: PlanOutput['steps'][number] = { index: step.index, name: step.name, action: step.do, hosts: [], order: step.order };
    if (step.when) entry.when = step.when;
    if (step.confirm) entry.confirm = typeof step.confirm === 'string' ? mask(step.confirm) : 'asks before running unless --yes';
    out.steps.push(entry);
    try {
      entry.hosts = await planStep(step, state, opts.limit, registeredAt, secrets, runDir, entry);
    } catch (e) {
      entry.note = `cannot plan: ${errText(e)}`;
    }
    if (step.register) registeredAt.set(step.register, step.index);
  }
  return maskDeep(out);
}

async function planStep(
  step: Step, state: RunState, limit: string | undefined, registeredAt: Map<string, number>,
  secrets: SecretCache, runDir: string, entry: PlanOutput['steps'][number],
): Promise<PlanHost[]> {
  const action = getAction(step.do);
  if (!action) throw new Error(`unknown action "${step.do}"`);
  const known = new Set(Object.keys(stepVars(state)));
  const on = placeholders(step.on, known, registeredAt) as string;
  if (on.includes('<')) {
    entry.note = `hosts decided at run time (${step.on})`;
    return [];
  }
  const hosts = selectHosts(state.inventory, render(on, stepVars(state)), limit);
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
