import type { Inventory, InventoryHost } from '../../../inventory/types.ts';
import type { Action, ActionContext, PlannedCommand } from '../../types.ts';
import { ActionError } from '../../types.ts';
import { instanceName } from '../host-vars.ts';
import { listAgreements, listAgreementsCommand, type Agreement } from './agreements.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';

/**
 * Reads the real replication graph from the servers, because the inventory's idea of it may be
 * stale and re-initialization must follow the agreements that actually exist. Run on one host with
 * `hosts: all` it reads every host itself (one complete fact, whatever the engine's fact merging);
 * without `hosts` it reads only the host it runs on.
 */

export type Topology = Record<string, string[]>;

export function topologyFromAgreements(agreements: Agreement[], hosts: string[]): Topology {
  const graph: Topology = {};
  for (const h of hosts) graph[h] = [];
  for (const a of agreements) {
    if (!a.peer) continue;
    const peers = (graph[a.host] ??= []);
    if (!peers.includes(a.peer)) peers.push(a.peer);
  }
  for (const peers of Object.values(graph)) peers.sort();
  return graph;
}

/** Inventory `vars.topology` (host -> peers) against the discovered graph; one line per difference. */
export function compareTopology(expected: unknown, actual: Topology): string[] {
  if (!expected || typeof expected !== 'object') return [];
  const diffs: string[] = [];
  const exp = expected as Record<string, unknown>;
  for (const host of new Set([...Object.keys(exp), ...Object.keys(actual)])) {
    const want = Array.isArray(exp[host]) ? (exp[host] as unknown[]).map(String).sort() : [];
    const have = actual[host] ?? [];
    const missing = want.filter((p) => !have.includes(p));
    const extra = have.filter((p) => !want.includes(p));
    if (missing.length) diffs.push(`${host}: no agreement to ${missing.join(', ')} (inventory lists it)`);
    if (extra.length) diffs.push(`${host}: agreement to ${extra.join(', ')} not in the inventory topology`);
  }
  return diffs;
}

function targets(ctx: ActionContext): InventoryHost[] {
  const sel = ctx.args.hosts;
  if (sel === undefined || sel === null) return [ctx.host];
  const names = sel === 'all' ? ctx.inventory.hosts.map((h) => h.name) : Array.isArray(sel) ? sel.map(String) : String(sel).split(',');
  return names.map((n) => {
    const h = ctx.inventory.hosts.find((x) => x.name === n.trim());
    if (!h) throw new ActionError(`topology.discover: unknown host "${n}"`);
    return h;
  });
}

async function readHost(ctx: ActionContext, inv: Inventory, host: InventoryHost): Promise<Agreement[]> {
  const remote = await ctx.connect(host.name);
  const suffixes = resolveSuffixes(inv, host, ctx.args.suffixes);
  return listAgreements(remote, inv, host.name, instanceName(inv, host), suffixes, { signal: ctx.signal });
}

export const topologyDiscover: Action = {
  name: 'topology.discover',
  readOnly: true,
  description: 'Read every replication agreement of the hosts and derive the real replication graph (fact `topology`)',
  args: {
    hosts: { type: 'any', description: 'Read these hosts from here (`all` or a list); default: only the host the step runs on' },
    suffixes: SUFFIXES_ARG,
  },
  plan(ctx): PlannedCommand[] {
    return targets(ctx).map((h) => ({
      host: h.name,
      command: listAgreementsCommand(instanceName(ctx.inventory, h)),
      note: `on ${h.name}, read-only: agreements of every suffix`,
    }));
  },
  async run(ctx) {
    const hosts = targets(ctx);
    const perHost = await Promise.all(hosts.map((h) => readHost(ctx, ctx.inventory, h)));
    const agreements = perHost.flat();
    const topology = topologyFromAgreements(agreements, hosts.map((h) => h.name));
    for (const a of agreements.filter((x) => !x.peer)) {
      ctx.emit({ kind: 'warning', host: a.host, message: `agreement ${a.name} points to ${a.peerAddress}, which is no inventory host` });
    }
    const expected = ctx.inventory.vars.topology;
    const scoped =
      expected && typeof expected === 'object'
        ? Object.fromEntries(Object.entries(expected as Record<string, unknown>).filter(([h]) => topology[h] !== undefined))
        : undefined;
    for (const d of compareTopology(scoped, topology)) ctx.emit({ kind: 'warning', message: `topology differs from the inventory: ${d}` });
    const summary = Object.entries(topology)
      .map(([h, p]) => `${h}->${p.join('+') || '(none)'}`)
      .join(' ');
    return {
      changed: false,
      summary,
      output: { topology, agreements },
      facts: { topology, agreements },
    };
  },
};
