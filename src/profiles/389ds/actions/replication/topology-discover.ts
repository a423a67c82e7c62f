import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { selectHosts } from '../../../../inventory/select.ts';
import { caSuffix, hostSuffixes, instanceName } from '../host-vars.ts';
import { peersFor } from '../provision/peers.ts';
import { inventoryHostFor, listAgreements, sameDn, type Agreement } from './agreements.ts';
import { fencedHosts } from './fenced.ts';
import { portMismatches } from './port-check.ts';
import { aliasMessage, inventoryHostByAddress } from './peer-aliases.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';
import { readHostReplication, replicationConfigCommand } from './topology-read.ts';
import { rebuiltRoles } from '../provision/rebuilt-role.ts';
import {
  allSuffixes,
  describePlan,
  findOutsiders,
  outsiderMessage,
  readOnlyMasterProblems,
  readOnlyReplicas,
  describeReadOnly,
  reinitPlan,
  replicaIds,
  serverSuffixes,
  suffixGraph,
  suffixMismatches,
  type Graph,
  type HostRead,
} from './topology-walk.ts';

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
  // `all` is the run's hosts (after --limit); another selector (`all:!ds3`) or a list of names:
  // server-loss reads the survivors only.
  const byName = (n: string) => ctx.inventory.hosts.find((x) => x.name === n)!;
  if (sel === 'all') return runHosts(ctx).map(byName);
  if (typeof sel === 'string') {
    try {
      return selectHosts(ctx.inventory, sel);
    } catch (e) {
      throw new ActionError(`topology.discover: ${(e as Error).message}`);
    }
  }
  const names = Array.isArray(sel) ? sel.map(String) : [String(sel)];
  return names.map((n) => {
    const h = ctx.inventory.hosts.find((x) => x.name === n.trim());
    if (!h) throw new ActionError(`topology.discover: unknown host "${n}"`);
    return h;
  });
}

/** The hosts this run may touch: the inventory narrowed by --limit (engine var `run_hosts`). */
function runHosts(ctx: ActionContext): string[] {
  const r = ctx.vars.run_hosts;
  return Array.isArray(r) ? r.map(String) : ctx.inventory.hosts.map((h) => h.name);
}

async function readHost(ctx: ActionContext, inv: Inventory, host: InventoryHost): Promise<Agreement[]> {
  const remote = await ctx.connect(host.name);
  const suffixes = resolveSuffixes(inv, host, ctx.args.suffixes, ctx.vars);
  return listAgreements(remote, inv, host.name, instanceName(inv, host), suffixes.length ? suffixes : undefined, { signal: ctx.signal });
}

/** The inventory's idea of the per-suffix graphs, for `plan` (the run reads the servers instead). */
function predictedGraphs(ctx: ActionContext): Record<string, Graph> | undefined {
  const graphs: Record<string, Graph> = {};
  // Only the hosts of the run (--limit): a host left out is not re-initialized, so not planned.
  const inRun = new Set(runHosts(ctx));
  try {
    for (const h of ctx.inventory.hosts.filter((x) => inRun.has(x.name))) {
      for (const suffix of hostSuffixes(ctx.inventory, h)) {
        (graphs[suffix] ??= {})[h.name] = peersFor(ctx.inventory, h, suffix, ctx.vars).map((p) => p.name).filter((p) => inRun.has(p));
      }
    }
  } catch {
    return undefined; // no inventory topology: only the servers can tell
  }
  return Object.keys(graphs).length ? graphs : undefined;
}

/**
 * When the inventory has a topology and the servers' agreements give other waves, `plan` showed
 * re-inits that will not happen (seen on an 8-host lab whose second bridge was removed by hand):
 * say so, so the administrator fixes the inventory. The run itself follows the servers.
 */
function staleInventoryTopology(ctx: ActionContext, master: string, fenced: string[], waves: string[]): string | undefined {
  const predicted = predictedGraphs(ctx);
  if (!predicted) return undefined;
  let said: string[] | undefined;
  try {
    said = describePlan(reinitPlan(predicted, master, fenced), master);
  } catch {
    said = undefined;
  }
  if (said && said.join('; ') === waves.join('; ')) return undefined;
  return `the inventory's topology is stale: from it, plan predicted ${said ? said.join('; ') : 'no complete waves'}; the servers' agreements give ${waves.join('; ')} (this run follows the servers): update the inventory's topology / ca_topology, or remove them`;
}

/**
 * Safety mode (`hosts: all`): every host of the run is read (fenced ones are seen only through
 * their peers' agreements), and the run stops before any change when the servers know a supplier
 * the run would not touch, when the inventory's suffixes differ from the servers' replicas, when a
 * replica id is used twice in one suffix, or when some suffix cannot reach a host from `master`.
 */
async function discoverAll(ctx: ActionContext, hosts: InventoryHost[]) {
  const fenced = fencedHosts(ctx);
  const live = hosts.filter((h) => !fenced.includes(h.name));
  const reads: HostRead[] = await Promise.all(live.map(async (h) => readHostReplication(await ctx.connect(h.name), ctx.inventory, h, ctx.signal)));
  const problems: string[] = [];
  const nameOf = (address: string) => inventoryHostFor(ctx.inventory, address)?.name;
  for (const o of findOutsiders(reads, runHosts(ctx), fenced, nameOf)) {
    const same = o.inInventory ? undefined : await inventoryHostByAddress(ctx.inventory, o.peer);
    problems.push(same ? aliasMessage(o.peer, o.seenAs, same) : outsiderMessage(o));
  }
  const mismatches = suffixMismatches(reads, (host) => hostSuffixes(ctx.inventory, ctx.inventory.hosts.find((h) => h.name === host)!));
  if (mismatches.length) problems.push(`the inventory and the servers disagree on the suffixes:\n  ${mismatches.join('\n  ')}\nfix the inventory's suffixes / ca_suffix / roles, or leave suffixes out to take the servers' word`);
  problems.push(...portMismatches(ctx.inventory, reads.flatMap((r) => r.agreements)));
  const noReplica = reads.filter((r) => r.replicas.length === 0).map((r) => r.host);
  if (noReplica.length) problems.push(`${noReplica.join(', ')}: no replica entry on the server: not a supplier of this topology (wrong host, or replication was never enabled there)`);
  const { ids, duplicates } = replicaIds(reads);
  problems.push(...duplicates.map((d) => `${d}: two suppliers of one suffix must never share a replica id`));
  const graphs = Object.fromEntries(allSuffixes(reads).map((s) => [s, suffixGraph(reads, s)]));
  const master = String(ctx.args.master ?? '') || ctx.host.name;
  problems.push(...readOnlyMasterProblems(reads, master, fenced));
  let plan: Record<string, Record<string, string>> = {};
  if (problems.length === 0) {
    try {
      plan = reinitPlan(graphs, master, fenced);
    } catch (e) {
      problems.push(`the re-initialization cannot reach every host from ${master}:\n${(e as Error).message}`);
    }
  }
  if (problems.length) throw new ActionError(`topology check failed; nothing was changed:\n- ${problems.join('\n- ')}`);
  return { reads, graphs, plan, ids, fenced, master };
}

/** `5 supplier(s) read`, or with read-only replicas `5 host(s) read (read-only: ds4 consumer of dc=x)`. */
function describeRead(reads: HostRead[]): string {
  const ro = readOnlyReplicas(reads);
  return ro.length ? `${reads.length} host(s) read (read-only: ${describeReadOnly(ro)})` : `${reads.length} supplier(s) read`;
}

export const topologyDiscover: Action = {
  name: 'topology.discover',
  readOnly: true,
  description: 'Read the replicas and agreements of every host, per suffix; refuse suppliers outside the run and hosts a suffix cannot reach (facts `topology`, `reinit_plan`)',
  args: {
    hosts: { type: 'any', description: 'Read these hosts from here (`all`: every host of the run, with the safety checks); default: only the host the step runs on' },
    suffixes: SUFFIXES_ARG,
    master: { type: 'string', description: 'Root of the per-suffix re-initialization plan; default: the host the step runs on' },
  },
  plan(ctx): PlannedCommand[] {
    const planned: PlannedCommand[] = targets(ctx).map((h) => ({
      host: h.name,
      command: replicationConfigCommand(instanceName(ctx.inventory, h)),
      note: `on ${h.name}, read-only: replicas and agreements of every suffix, then each suffix's RUV`,
    }));
    if (ctx.args.hosts === 'all') {
      const master = String(ctx.args.master ?? '') || ctx.host.name;
      const graphs = predictedGraphs(ctx);
      // A plan the inventory's own topology cannot satisfy fails here, like the run would.
      const waves = graphs ? describePlan(reinitPlan(graphs, master, fencedHosts(ctx)), master).join(' | ') : 'the inventory has no topology: computed from the servers at run time';
      planned.push({ host: ctx.host.name, command: '(controller) per-suffix re-initialization plan', note: `per-suffix waves (predicted from the inventory; the run recomputes them from the servers and refuses outsiders): ${waves}` });
    }
    return planned;
  },
  async run(ctx) {
    const hosts = targets(ctx);
    if (ctx.args.hosts === 'all') {
      const d = await discoverAll(ctx, hosts);
      const agreements = d.reads.flatMap((r) => r.agreements);
      const topology = topologyFromAgreements(agreements, d.reads.map((r) => r.host));
      const waves = describePlan(d.plan, d.master);
      const stale = staleInventoryTopology(ctx, d.master, d.fenced, waves);
      if (stale) ctx.emit({ kind: 'warning', message: stale });
      for (const f of d.fenced) ctx.emit({ kind: 'warning', message: `${f} is fenced: left out of this run (its agreements seen from its peers only); rejoin it (lifeboat run rejoin -e target=${f}) before it replicates again` });
      return {
        changed: false,
        summary: `${describeRead(d.reads)}${d.fenced.length ? `, fenced: ${d.fenced.join(', ')}` : ''}; ${waves.join('; ')}`,
        output: { topology, suffixTopology: d.graphs, reinitPlan: d.plan, replicaIds: d.ids, fenced: d.fenced, agreements },
        facts: {
          topology,
          agreements,
          suffix_topology: d.graphs,
          reinit_plan: d.plan,
          replica_ids: d.ids,
          server_suffixes: serverSuffixes(d.reads),
        },
      };
    }
    const perHost = await Promise.all(hosts.map((h) => readHost(ctx, ctx.inventory, h)));
    const agreements = perHost.flat();
    const ports = portMismatches(ctx.inventory, agreements);
    if (ports.length) throw new ActionError(`the inventory and the servers disagree on LDAP ports; nothing was changed:\n- ${ports.join('\n- ')}`);
    // A rebuild creates the inventory's suffixes: a stale list must stop it here, before anything is created.
    const reads = (await Promise.all(hosts.map(async (h) => readHostReplication(await ctx.connect(h.name), ctx.inventory, h, ctx.signal)))).filter((r) => r.replicas.length > 0);
    const suffixes = suffixMismatches(reads, (host) => hostSuffixes(ctx.inventory, ctx.inventory.hosts.find((h) => h.name === host)!));
    if (suffixes.length) throw new ActionError(`the inventory and the servers disagree on the suffixes; nothing was changed:\n- ${suffixes.join('\n- ')}\nfix the inventory's suffixes / ca_suffix / roles`);
    // Run on a host it does not read (server-loss: the lost host, read from the survivors): what
    // that host was, per suffix, is decided here, before anything is created.
    const rebuilding = hosts.some((h) => h.name === ctx.host.name) ? undefined : rebuiltRoles(ctx, ctx.host, hostSuffixes(ctx.inventory, ctx.host), reads);
    const topology = topologyFromAgreements(agreements, hosts.map((h) => h.name));
    for (const a of agreements.filter((x) => !x.peer)) {
      ctx.emit({ kind: 'warning', host: a.host, message: `agreement ${a.name} points to ${a.peerAddress}, which is no inventory host` });
    }
    const expected = ctx.inventory.vars.topology;
    const scoped =
      expected && typeof expected === 'object'
        ? Object.fromEntries(Object.entries(expected as Record<string, unknown>).filter(([h]) => topology[h] !== undefined))
        : undefined;
    // The inventory's `topology` is the main suffixes' graph: the CA suffix's own agreements are no difference.
    const ca = caSuffix(ctx.inventory, ctx.host);
    const mainOnly = topologyFromAgreements(agreements.filter((a) => !ca || !sameDn(a.suffix, ca)), hosts.map((h) => h.name));
    for (const d of compareTopology(scoped, mainOnly)) ctx.emit({ kind: 'warning', message: `topology differs from the inventory: ${d}` });
    const summary = Object.entries(topology)
      .map(([h, p]) => `${h}->${p.join('+') || '(none)'}`)
      .join(' ');
    const readOnly = Object.entries(rebuilding ?? {}).filter(([, r]) => r !== 'supplier');
    return {
      changed: false,
      summary: `${summary}${readOnly.length ? `; ${ctx.host.name} is rebuilt as it was: ${readOnly.map(([s, r]) => `${r} of ${s}`).join(', ')}` : ''}`,
      output: { topology, agreements, ...(rebuilding ? { rebuiltRoles: rebuilding } : {}) },
      facts: { topology, agreements, ...(rebuilding ? { rebuilt_roles: { [ctx.host.name]: rebuilding } } : {}) },
    };
  },
};
