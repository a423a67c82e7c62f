import type { InventoryHost } from '../inventory/types.ts';
import type { Step } from '../playbook/types.ts';
import { render, selectHosts, topologyWaves } from './deps.ts';
import { stepVars, type RunState } from './vars.ts';

/** One host of one step: what the executor schedules. */
export interface Unit {
  host: InventoryHost;
  /** Topology order: the host this one is initialized from (`vars.parent`); null otherwise. */
  parent: string | null;
  /** The unit of this step that must finish OK before this one starts (null: start at once). */
  waitFor: string | null;
  depth: number;
}

export type Graph = Record<string, string[]>;

function isGraph(x: unknown): x is Graph {
  return !!x && typeof x === 'object' && !Array.isArray(x) &&
    Object.values(x).every((v) => Array.isArray(v) && v.every((p) => typeof p === 'string'));
}

/**
 * Accepts a plain map host -> peers, `{ graph: ... }`, or one map per suffix (their union: a host
 * is a peer if it replicates with it on any suffix).
 */
export function asGraph(x: unknown): Graph | undefined {
  if (isGraph(x)) return x;
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const obj = x as Record<string, unknown>;
  if ('graph' in obj) return asGraph(obj.graph);
  const parts = Object.values(obj).map(asGraph);
  if (parts.length === 0 || parts.some((p) => !p)) return undefined;
  const out: Graph = {};
  for (const g of parts as Graph[]) {
    for (const [h, peers] of Object.entries(g)) out[h] = [...new Set([...(out[h] ?? []), ...peers])];
  }
  return out;
}

/**
 * The replication graph for `order: topology`: the discovered `topology` fact, else the inventory's
 * `vars.topology`, else a star around `from` (every host a direct peer of it).
 */
export function topologyGraph(state: RunState, from: string): { graph: Graph; source: 'fact' | 'inventory' | 'star' } {
  const fact = asGraph(state.facts.topology);
  if (fact) return { graph: fact, source: 'fact' };
  const inv = asGraph(state.inventory.vars.topology);
  if (inv) return { graph: inv, source: 'inventory' };
  return { graph: { [from]: state.inventory.hosts.map((h) => h.name).filter((n) => n !== from) }, source: 'star' };
}

export function stepHosts(step: Step, state: RunState, limit: string | undefined): InventoryHost[] {
  const selector = render(step.on, stepVars(state));
  return selectHosts(state.inventory, selector, limit);
}

/** Steps x hosts -> units, in the order they may start (breadth-first for topology steps). */
export function stepUnits(step: Step, state: RunState, hosts: InventoryHost[]): { units: Unit[]; from?: string; graphSource?: string } {
  if (step.order !== 'topology') return { units: hosts.map((host) => ({ host, parent: null, waitFor: null, depth: 0 })) };
  if (!step.from) throw new Error(`step "${step.name}" has order: topology but no "from" host`);
  const from = render(step.from, stepVars(state, hosts.map((h) => h.name)));
  const { graph, source } = topologyGraph(state, from);
  const byName = new Map(hosts.map((h) => [h.name, h]));
  // A host the run fenced (fact `fenced`: unreachable, confirmed stopped) that no agreement touches
  // (a decommissioned host still listed) has no place in the waves: its unit only reports it
  // fenced. Walking it failed data-loss at the re-inits, after the restore (an 8-host lab).
  const fenced = new Set(Array.isArray(state.facts.fenced) ? state.facts.fenced.map(String) : []);
  const linked = (h: string) => (graph[h] ?? []).length > 0 || Object.values(graph).some((peers) => peers.includes(h));
  const loose = hosts.filter((h) => fenced.has(h.name) && h.name !== from && !linked(h.name));
  const waves = topologyWaves(graph, from, hosts.filter((h) => !loose.includes(h)).map((h) => h.name));
  const units: Unit[] = loose.map((host) => ({ host, parent: null, waitFor: null, depth: 0 }));
  for (const w of waves) {
    const host = byName.get(w.host);
    if (!host) continue; // the root itself when the step excludes it
    // A parent outside this step (the root, typically) is already in its final state: no wait.
    const waitFor = w.parent && byName.has(w.parent) ? w.parent : null;
    units.push({ host, parent: w.parent, waitFor, depth: w.depth });
  }
  return { units, from, graphSource: source };
}
