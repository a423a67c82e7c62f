import type { ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import type { InventoryHost } from '../../../../inventory/types.ts';
import { sameDn } from '../replication/agreements.ts';
import { ruvSupplierHost } from '../replication/topology-read.ts';
import type { ReplicaRole } from '../replication/replica-role.ts';
import type { HostRead } from '../replication/topology-walk.ts';

/**
 * What a rebuilt host was, per suffix: a supplier, or a read-only consumer. Its replica entry went
 * with it, so the survivors decide: every supplier that ever sent them a change is an element of
 * their RUVs (`{replica 3 ldap://ds3:389}`), a consumer (id 65535) never is. Host var
 * `replica_role` (`supplier`, `consumer`, or per suffix `{ "dc=x": consumer }`) overrides them.
 * A hub is refused: the agreements to the consumers it fed lived on it alone.
 */

const ROLES: ReplicaRole[] = ['supplier', 'hub', 'consumer'];

/** The host var, for one suffix; undefined when not given. */
export function roleVar(host: InventoryHost, suffix: string): ReplicaRole | undefined {
  const v = host.vars.replica_role;
  if (v === undefined || v === null) return undefined;
  const raw = typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>).find(([s]) => sameDn(s, suffix))?.[1] : v;
  if (raw === undefined) return undefined;
  const role = String(raw).trim().toLowerCase() as ReplicaRole;
  if (!ROLES.includes(role)) throw new ActionError(`${host.name}: host var replica_role must be supplier, consumer or hub${typeof v === 'object' ? ` (for ${suffix})` : ''}, got ${JSON.stringify(raw)}`);
  return role;
}

/** Per suffix of `host`: its role from the var, else from the survivors' RUVs; refuses what cannot be rebuilt. */
export function rebuiltRoles(ctx: Pick<ActionContext, 'inventory'>, host: InventoryHost, suffixes: string[], survivors: HostRead[]): Record<string, ReplicaRole> {
  const roles: Record<string, ReplicaRole> = {};
  const problems: string[] = [];
  for (const suffix of suffixes) {
    const named = survivors.some((r) =>
      Object.entries(r.ruvSuppliers).some(([s, urls]) => sameDn(s, suffix) && Object.values(urls).some((url) => ruvSupplierHost(ctx.inventory, url)?.name === host.name)),
    );
    const role = roleVar(host, suffix) ?? (named ? 'supplier' : undefined);
    if (role === 'hub') problems.push(`${suffix}: ${host.name} was a hub; the agreements to the consumers it fed lived on it alone, so Lifeboat cannot rebuild them: rebuild it by hand, or make it a supplier (replica_role: supplier)`);
    else if (role) roles[suffix] = role;
    else {
      const readers = survivors.filter((r) => r.replicas.some((x) => sameDn(x.suffix, suffix))).map((r) => r.host);
      problems.push(
        `${suffix}: no survivor's RUV records ${host.name} (read on ${readers.join(', ') || 'no survivor holding it'}), so it was a read-only consumer (or a supplier that never sent a change): say which with host var replica_role: consumer (or supplier) for ${host.name}`,
      );
    }
  }
  if (problems.length) throw new ActionError(`${host.name} cannot be rebuilt as it was; nothing was changed:\n- ${problems.join('\n- ')}`);
  return roles;
}

/** The role decided by topology.discover (fact `rebuilt_roles`), else the host var, else supplier. */
export function roleFor(ctx: Pick<ActionContext, 'vars'>, host: InventoryHost, suffix: string): ReplicaRole {
  const facts = ctx.vars.rebuilt_roles as Record<string, Record<string, ReplicaRole>> | undefined;
  const found = Object.entries(facts?.[host.name] ?? {}).find(([s]) => sameDn(s, suffix))?.[1];
  return found ?? roleVar(host, suffix) ?? 'supplier';
}
