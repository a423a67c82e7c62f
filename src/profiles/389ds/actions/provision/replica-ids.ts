import type { InventoryHost } from '../../../../inventory/types.ts';
import type { ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, hostSuffixes, instanceName, replicaId } from '../host-vars.ts';
import { attr, ldapSearch } from '../ldap.ts';
import { sameDn } from '../replication/agreements.ts';
import { ruvSupplierHost, ruvSupplierUrls } from '../replication/topology-read.ts';
import { RUV_FILTER } from '../verify/ruv.ts';

/**
 * Replica ids are per suffix (IdM numbers o=ipaca independently of the domain suffix), and the
 * servers are the truth: a rebuilt host gets, for each suffix, the id the survivors' RUVs record
 * for it; else the inventory's (`ca_replica_id` for the CA suffix, `replica_id` otherwise). An id
 * another replica of that suffix already uses is refused before anything is created: a duplicate
 * stops replication between the two ("the replica has the same Replica ID as this one").
 */

export function inventoryIdFor(ctx: Pick<ActionContext, 'inventory' | 'host'>, suffix: string): number | undefined {
  const ca = caSuffix(ctx.inventory, ctx.host);
  const own = ca && sameDn(ca, suffix) ? (ctx.host.vars.ca_replica_id ?? ctx.inventory.vars.ca_replica_id) : undefined;
  return own !== undefined ? Number(own) : replicaId(ctx.inventory, ctx.host);
}

interface PeerView {
  host: string;
  /** The peer's own replica id for the suffix. */
  id?: number;
  /** replica id -> inventory host its RUV URL names (or the raw host:port). */
  ruv: Record<string, string>;
}

async function peerView(ctx: ActionContext, peer: InventoryHost, suffix: string): Promise<PeerView> {
  const remote = await ctx.connect(peer.name);
  const inst = instanceName(ctx.inventory, peer);
  const replicas = await ldapSearch(remote, inst, 'cn=mapping tree,cn=config', 'sub', '(objectClass=nsds5replica)', ['nsDS5ReplicaRoot', 'nsDS5ReplicaId'], { signal: ctx.signal });
  const mine = replicas.find((e) => sameDn(attr(e, 'nsDS5ReplicaRoot') ?? '', suffix));
  const ruv: Record<string, string> = {};
  if (mine) {
    const [tomb] = await ldapSearch(remote, inst, suffix, 'sub', RUV_FILTER, ['nsds50ruv'], { signal: ctx.signal });
    for (const [id, hostPort] of Object.entries(ruvSupplierUrls(tomb?.attrs['nsds50ruv'] ?? []))) {
      ruv[id] = ruvSupplierHost(ctx.inventory, hostPort)?.name ?? hostPort;
    }
  }
  return { host: peer.name, id: mine ? Number(attr(mine, 'nsDS5ReplicaId')) : undefined, ruv };
}

export interface ChosenId {
  suffix: string;
  id: number;
  source: 'survivors-ruv' | 'inventory' | 'fresh';
  /** Ids the survivors' RUVs still record for this host that nothing uses any more: cleaned with CLEANALLRUV. */
  stale: number[];
  /** A survivor holding the suffix, where the CLEANALLRUV task is added (it reaches every replica). */
  cleanOn?: string;
}

/** The smallest id (1..65534) not in `taken`. */
export function freshReplicaId(taken: Set<number>): number {
  for (let id = 1; id <= 65534; id++) if (!taken.has(id)) return id;
  throw new ActionError('no free replica id left (1..65534)');
}

/** Ids the inventory gives the other hosts for this suffix: kept free for their own rebuilds. */
function inventoryIdsOfOthers(ctx: ActionContext, suffix: string): number[] {
  return ctx.inventory.hosts
    .filter((h) => h.name !== ctx.host.name)
    .map((h) => inventoryIdFor({ inventory: ctx.inventory, host: h }, suffix))
    .filter((id): id is number => id !== undefined && Number.isInteger(id));
}

/**
 * Picks and checks this host's replica id for one suffix, reading every other holder of it. An id
 * another replica of the suffix uses (a stale inventory, or a RUV element another server took over)
 * is never reused: the host gets a fresh one, unused by any replica, RUV or inventory host.
 */
export async function chooseReplicaId(ctx: ActionContext, suffix: string): Promise<ChosenId> {
  const peers = ctx.inventory.hosts.filter((h) => h.name !== ctx.host.name && hostSuffixes(ctx.inventory, h).some((s) => sameDn(s, suffix)));
  const views = await Promise.all(
    peers.map((p) =>
      peerView(ctx, p, suffix).catch((e: unknown) => {
        throw new ActionError(`${ctx.host.name}: cannot check which replica ids ${p.name} knows for ${suffix}: ${e instanceof Error ? e.message : String(e)}`);
      }),
    ),
  );
  const wanted = inventoryIdFor(ctx, suffix);
  const recorded = [...new Set(views.flatMap((v) => Object.entries(v.ruv).filter(([, h]) => h === ctx.host.name).map(([id]) => Number(id))))];
  const fromRuv = wanted !== undefined && recorded.includes(wanted) ? wanted : recorded[0];
  let id = fromRuv ?? wanted;
  if (id === undefined || !Number.isInteger(id) || id < 1 || id > 65534) {
    throw new ActionError(`${ctx.host.name}: no replica id for ${suffix}: the survivors' RUVs do not name this host and the inventory has no replica_id / ca_replica_id (1..65534)`);
  }
  let source: ChosenId['source'] = fromRuv !== undefined ? 'survivors-ruv' : 'inventory';
  const inUse = new Set(views.map((v) => v.id).filter((x): x is number => x !== undefined));
  const clash = views.filter((v) => v.id === id).map((v) => v.host);
  if (clash.length) {
    const taken = new Set([...inUse, ...views.flatMap((v) => Object.keys(v.ruv).map(Number)), ...inventoryIdsOfOthers(ctx, suffix)]);
    const fresh = freshReplicaId(taken);
    ctx.emit({ kind: 'warning', message: `${ctx.host.name}: replica id ${id} for ${suffix} is already used by ${clash.join(', ')}; ${ctx.host.name} gets the unused id ${fresh} (a duplicate id stops replication between them)` });
    id = fresh;
    source = 'fresh';
  } else if (fromRuv !== undefined && wanted !== undefined && fromRuv !== wanted) {
    ctx.emit({ kind: 'warning', message: `${ctx.host.name}: ${suffix} gets replica id ${fromRuv}, the one the survivors' RUVs record for it (the inventory says ${wanted})` });
  }
  // An old id of this host that no live replica uses would stay in every RUV for good.
  const stale = recorded.filter((r) => r !== id && !inUse.has(r));
  const cleanOn = stale.length ? views.find((v) => v.id !== undefined)?.host : undefined;
  return { suffix, id, source, stale, ...(cleanOn ? { cleanOn } : {}) };
}
