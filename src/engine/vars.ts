import type { Inventory, InventoryHost } from '../inventory/types.ts';

/** What a run knows while it goes: the source of every template's variables. */
export interface RunState {
  inventory: Inventory;
  /** Params with defaults applied; secret params hold their real values (masked on output). */
  params: Record<string, unknown>;
  /** Inventory secrets the playbook names as `secrets.NAME`, resolved before anything connects. */
  secrets: Record<string, string>;
  /** Step `register` name -> host -> the action's output. */
  registered: Record<string, Record<string, unknown>>;
  /** Facts set by action results (e.g. `topology`), merged in order. */
  facts: Record<string, unknown>;
  /** Hosts this run may touch (the inventory narrowed by `--limit`): safety checks compare the servers' topology with it. */
  runHosts?: string[];
}

export function newRunState(inventory: Inventory, params: Record<string, unknown>, secrets: Record<string, string>): RunState {
  return { inventory, params, secrets, registered: {}, facts: {} };
}

/** Names the engine adds to every template's variables (validatePlaybook must accept them). */
export const ENGINE_NAMES = ['hosts', 'host', 'host_vars', 'hostvars', 'parent', 'secrets', 'step_hosts', 'params', 'facts', 'topology', 'run_hosts'] as const;

/**
 * Variables of a step as a whole (its `on`, `from`, `confirm`): inventory vars, then facts (a
 * discovered `topology` beats the inventory's), then params, registered outputs and the run's names.
 */
export function stepVars(state: RunState, stepHosts: string[] = []): Record<string, unknown> {
  const inv = state.inventory;
  return {
    ...inv.vars,
    ...state.facts,
    ...state.params,
    ...state.registered,
    inventory: { cluster: inv.cluster, profile: inv.profile, hosts: inv.hosts.map((h) => h.name), groups: inv.groups, vars: inv.vars },
    hosts: inv.hosts.map((h) => h.name),
    run_hosts: state.runHosts ?? inv.hosts.map((h) => h.name),
    step_hosts: stepHosts,
    hostvars: Object.fromEntries(inv.hosts.map((h) => [h.name, { ...h.vars, address: h.address, roles: h.roles }])),
    facts: state.facts,
    params: state.params,
    secrets: state.secrets,
  };
}

/** Variables for one host of a step (its `when`, `with`, undo args). */
export function hostVars(state: RunState, host: InventoryHost, stepHosts: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...stepVars(state, stepHosts),
    host: host.name,
    host_vars: { ...host.vars, address: host.address, roles: host.roles, groups: host.groups },
    ...extra,
  };
}

/** Keeps an action's output under the step's register name and merges the facts it set. */
export function recordResult(state: RunState, register: string | undefined, host: string, output: unknown, facts?: Record<string, unknown>): void {
  if (register) (state.registered[register] ??= {})[host] = output ?? null;
  if (facts) Object.assign(state.facts, facts);
}
