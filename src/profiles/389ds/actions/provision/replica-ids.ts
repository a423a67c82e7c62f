import type { InventoryHost } from '../../../../inventory/types.ts';
import type { ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, hostSuffixes, instanceName, replicaId } from '../host-vars.ts';
import { attr, ldapSearch } from '../ldap.ts';
import { inventoryHostFor, sameDn } from '../replication/agreements.ts';
import { ruvSupplierUrls } from '../replication/topology-read.ts';
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
      ruv[id] = inventoryHostFor(ctx.inventory, hostPort.replace(/:\d+$/, ''))?.name ?? hostPort;
    }
  }
  return { host: peer.name, id: mine ? Number(attr(mine, 'nsDS5ReplicaId')) : undefined, ruv };
}

export interface ChosenId {
  suffix: string;
  id: number;
  source: 'survivors-ruv' | 'inventory';
}

/** Picks and checks this host's replica id for one suffix, reading every other holder of it. */
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
  const id = fromRuv ?? wanted;
  if (id === undefined || !Number.isInteger(id) || id < 1 || id > 65534) {
    throw new ActionError(`${ctx.host.name}: no replica id for ${suffix}: the survivors' RUVs do not name this host and the inventory has no replica_id / ca_replica_id (1..65534)`);
  }
  const clash = views.filter((v) => v.id === id).map((v) => v.host);
  if (clash.length) {
    throw new ActionError(`${ctx.host.name}: replica id ${id} for ${suffix} is already used by ${clash.join(', ')} for that suffix; a duplicate id stops replication between them. Give ${ctx.host.name} its own id for ${suffix} (host var ${caSuffix(ctx.inventory, ctx.host) && sameDn(caSuffix(ctx.inventory, ctx.host)!, suffix) ? 'ca_replica_id' : 'replica_id'})`);
  }
  if (fromRuv !== undefined && wanted !== undefined && fromRuv !== wanted) {
    ctx.emit({ kind: 'warning', message: `${ctx.host.name}: ${suffix} gets replica id ${fromRuv}, the one the survivors' RUVs record for it (the inventory says ${wanted})` });
  }
  return { suffix, id, source: fromRuv !== undefined ? 'survivors-ruv' : 'inventory' };
}
