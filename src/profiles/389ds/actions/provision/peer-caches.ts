import type { ActionContext } from '../../../../actions/types.ts';
import type { InventoryHost } from '../../../../inventory/types.ts';
import { instanceName } from '../host-vars.ts';
import { hostsHolding } from '../verify/suffix-hosts.ts';
import { fencedHosts } from '../replication/fenced.ts';
import { readPeerCaches, type CacheSettings } from './cache-settings.ts';
import { peersFor } from './peers.ts';

/**
 * Which replica a rebuilt host takes its cache sizes from, and reading them: the first of its
 * topology peers for the suffix that answers (a new instance, a new backend).
 */

/** The replicas this host joins, for their cache settings: its topology peers, else any holder of the suffix. */
export function cachePeers(ctx: ActionContext, suffix: string): InventoryHost[] {
  const fenced = fencedHosts(ctx);
  const holders = () => hostsHolding(ctx.inventory, 'all', suffix, fenced, ctx.vars).filter((h) => h.name !== ctx.host.name);
  let peers: InventoryHost[];
  try {
    peers = peersFor(ctx.inventory, ctx.host, suffix, ctx.vars);
  } catch {
    peers = [];
  }
  return (peers.length ? peers : holders()).filter((h) => !fenced.includes(h.name));
}

/** The first peer that answers gives its settings; none: the server's own defaults, and why. */
export async function settingsFromPeers(ctx: ActionContext, suffix: string | undefined): Promise<CacheSettings | string> {
  if (!suffix) return 'the host holds no suffix';
  const reasons: string[] = [];
  for (const peer of cachePeers(ctx, suffix)) {
    try {
      const got = await readPeerCaches(await ctx.connect(peer.name), instanceName(ctx.inventory, peer), suffix, ctx.signal);
      if (typeof got !== 'string') return got;
      reasons.push(got);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      reasons.push(`${peer.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return reasons.length ? reasons.join('; ') : `no other host holds ${suffix}`;
}

