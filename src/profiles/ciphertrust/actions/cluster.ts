import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { API, nodeStatusText, type ClusterNode } from '../api-paths.ts';
import { apiUrl, nodeFor, planSteps, stepOptions, CTM_SECRET_ARGS } from '../context.ts';
import { runCtmSteps } from '../run-steps.ts';
import type { CtmStep } from '../steps.ts';
import { bool, count, str } from './args.ts';

function hostArg(ctx: ActionContext, name: string, action: string): string {
  const h = str(ctx.args[name]);
  if (!h) throw new ActionError(`${ctx.host.name}: ${action}: ${name} is required (an inventory host name)`);
  if (!ctx.inventory.hosts.some((x) => x.name === h)) throw new ActionError(`${ctx.host.name}: ${action}: ${name} "${h}" is not an inventory host`);
  return h;
}

/** The address a node is listed under: its API host, with or without the port. */
function listedAs(ctx: ActionContext, name: string): string[] {
  const u = new URL(apiUrl(ctx.inventory.hosts.find((x) => x.name === name)!));
  return [u.host, u.hostname];
}

function find(ctx: ActionContext, list: ClusterNode[], name: string): ClusterNode | undefined {
  const as = listedAs(ctx, name);
  return list.find((n) => as.includes(n.host) || [n.public_address, n.publicAddress].some((a) => a !== undefined && as.includes(a)));
}

async function member(ctx: ActionContext, name = ctx.host.name): Promise<boolean> {
  return Boolean((await (await nodeFor(ctx, name)).cluster()).nodeID);
}

/** Cluster size by default: the hosts with role member (an admin host is not a node), else every host. */
function members(ctx: ActionContext): number {
  const m = ctx.inventory.hosts.filter((h) => h.roles.includes('member')).length;
  return m || ctx.inventory.hosts.length;
}

/** A node that answers its API and says it is in a cluster; one that cannot be reached is not. */
async function stillMember(ctx: ActionContext, name: string): Promise<boolean> {
  try {
    return await member(ctx, name);
  } catch {
    return false;
  }
}

const hostOnly = (ctx: ActionContext, name: string) => new URL(apiUrl(ctx.inventory.hosts.find((x) => x.name === name)!)).hostname;

export const clusterNodesAction: Action = {
  name: 'cluster.nodes',
  readOnly: true,
  description: 'List the cluster nodes as this node sees them (ksctl cluster nodes list).',
  args: { ...CTM_SECRET_ARGS },
  plan: (ctx) => [{ host: ctx.host.name, command: `GET ${apiUrl(ctx.host)}${API.clusterNodes}` }],
  async run(ctx) {
    const list = (await member(ctx)) ? await (await nodeFor(ctx)).nodes() : [];
    return { changed: false, output: list, summary: list.length ? list.map((n) => `${n.host} ${nodeStatusText(n)}`).join(', ') : 'not in a cluster' };
  },
};

function removeSteps(ctx: ActionContext, target: string): CtmStep[] {
  if (target === ctx.host.name) return [{ what: `take ${target} out of its cluster`, node: target, call: { kind: 'cluster-leave' } }];
  return [{ what: `remove ${target} from the cluster`, node: ctx.host.name, call: { kind: 'node-remove', nodeId: '${node_id}', nodeHost: target } }];
}

/** Removes `node` from the cluster, asking this (surviving) node; `node` = this host takes it out itself. */
export const clusterRemoveAction: Action = {
  name: 'cluster.remove',
  description: 'Remove a node from the cluster (ksctl cluster nodes delete), sent to a member that stays; a node already out is left as is.',
  destructive: true,
  args: {
    ...CTM_SECRET_ARGS,
    node: { type: 'string', required: true, description: 'Inventory host to remove (may be this host itself)' },
    lost: { type: 'boolean', default: false, description: 'the node is lost and replaced by a fresh appliance: refused when it answers and is still a member' },
    force: { type: 'boolean', default: false, description: 'with lost: remove it even though it answers as a member' },
  },
  plan: (ctx) => planSteps(ctx, removeSteps(ctx, hostArg(ctx, 'node', 'cluster.remove'))),
  async run(ctx) {
    const target = hostArg(ctx, 'node', 'cluster.remove');
    const vars: Record<string, string> = {};
    if (target === ctx.host.name) {
      if (!(await member(ctx))) return { changed: false, summary: `${target} is not in a cluster` };
    } else {
      if (!(await member(ctx))) throw new ActionError(`${ctx.host.name}: cluster.remove: ${ctx.host.name} is not in a cluster; run the removal on a member`);
      const n = find(ctx, await (await nodeFor(ctx)).nodes(), target);
      if (!n) return { changed: false, summary: `${target} is not listed in ${ctx.host.name}'s cluster` };
      if (bool(ctx.args.lost) && !bool(ctx.args.force) && (await stillMember(ctx, target))) {
        throw new ActionError(
          `${ctx.host.name}: cluster.remove: ${target} answers and is still a member of ${ctx.host.name}'s cluster: it is not lost (its replacement is a fresh appliance, in no cluster, at the same address). Nothing was changed; force=true removes it anyway (it must then be reinstalled to join)`,
        );
      }
      vars.node_id = n.id;
    }
    if (ctx.check) return { changed: false, summary: `would remove ${target} from the cluster` };
    await runCtmSteps(removeSteps(ctx, target), stepOptions(ctx, vars));
    return { changed: true, summary: `${target} removed from the cluster` };
  },
};

export const clusterNewAction: Action = {
  name: 'cluster.new',
  description: 'Make this (standalone) node the first node of a new cluster (ksctl cluster new).',
  destructive: true,
  args: { ...CTM_SECRET_ARGS },
  plan: (ctx) => planSteps(ctx, [{ what: 'create a cluster', node: ctx.host.name, call: { kind: 'cluster-new', host: hostOnly(ctx, ctx.host.name) } }]),
  async run(ctx) {
    const node = await nodeFor(ctx);
    if (await member(ctx)) {
      const list = await node.nodes();
      if (list.length === 1) return { changed: false, summary: `${ctx.host.name} is already the only node of a cluster` };
      throw new ActionError(`${ctx.host.name}: cluster.new: the node is in a cluster of ${list.length} nodes; remove it first (cluster.remove)`);
    }
    if (ctx.check) return { changed: false, summary: 'would create a cluster' };
    await runCtmSteps([{ what: 'create a cluster', node: ctx.host.name, call: { kind: 'cluster-new', host: hostOnly(ctx, ctx.host.name) } }], stepOptions(ctx, {}));
    return { changed: true, summary: `${ctx.host.name} is the first node of a new cluster` };
  },
};

function joinSteps(ctx: ActionContext, m: string): CtmStep[] {
  return [{ what: `join the cluster of ${m}`, node: ctx.host.name, call: { kind: 'cluster-join', member: m, memberUrl: apiUrl(ctx.inventory.hosts.find((x) => x.name === m)!), host: hostOnly(ctx, ctx.host.name) } }];
}

/** Joins this node to the cluster `member` is in (csr here, signed by the member, join here). */
export const clusterJoinAction: Action = {
  name: 'cluster.join',
  description: 'Join this node to the cluster of member (ksctl cluster fulljoin); a node already in that cluster is left as is.',
  destructive: true,
  args: { ...CTM_SECRET_ARGS, member: { type: 'string', required: true, description: 'Inventory host already in the cluster' } },
  plan: (ctx) => planSteps(ctx, joinSteps(ctx, hostArg(ctx, 'member', 'cluster.join'))),
  async run(ctx) {
    const m = hostArg(ctx, 'member', 'cluster.join');
    if (!(await member(ctx, m))) throw new ActionError(`${ctx.host.name}: cluster.join: ${m} is not in a cluster (make it one with cluster.new)`);
    if (await member(ctx)) {
      if (find(ctx, await (await nodeFor(ctx, m)).nodes(), ctx.host.name)) return { changed: false, summary: `${ctx.host.name} is already in ${m}'s cluster` };
      throw new ActionError(`${ctx.host.name}: cluster.join: the node is in another cluster; remove it first (cluster.remove)`);
    }
    if (ctx.check) return { changed: false, summary: `would join ${m}'s cluster` };
    await runCtmSteps(joinSteps(ctx, m), stepOptions(ctx, {}));
    return { changed: true, summary: `${ctx.host.name} joined ${m}'s cluster` };
  },
};

export const clusterWaitHealthyAction: Action = {
  name: 'cluster.wait-healthy',
  description: 'Poll the node list until the cluster has the expected number of nodes, all ready.',
  args: {
    ...CTM_SECRET_ARGS,
    expect: { type: 'number', description: 'Number of nodes (default: the hosts with role member, else every host)' },
    timeout: { type: 'number', default: 1800, description: 'Give up after this many seconds' },
  },
  plan: (ctx) => planSteps(ctx, [{ what: 'wait for the cluster to be healthy', node: ctx.host.name, call: { kind: 'wait-healthy', expect: count(ctx, 'cluster.wait-healthy', 'expect', ctx.args.expect, 1) ?? members(ctx) } }]),
  async run(ctx) {
    const expect = count(ctx, 'cluster.wait-healthy', 'expect', ctx.args.expect, 1) ?? members(ctx);
    const timeoutMs = (count(ctx, 'cluster.wait-healthy', 'timeout', ctx.args.timeout, 1) ?? 1800) * 1000;
    const steps: CtmStep[] = [{ what: 'wait for the cluster to be healthy', node: ctx.host.name, call: { kind: 'wait-healthy', expect } }];
    const r = await runCtmSteps(steps, { ...stepOptions(ctx, {}), timeoutMs });
    const list = r[0] as ClusterNode[];
    return { changed: false, output: list, summary: `${list.length} nodes ready` };
  },
};
