import type { Inventory, InventoryHost } from '../../inventory/types.ts';
import { KTS_DEFAULTS } from './info.ts';

/** The settings every Key Trustee command needs, from inventory vars over the seed's defaults. */
export interface KtsVars {
  confdir: string;
  dbPort: number;
  pgRootdir: string;
  serviceUser: string;
  database: string;
  pgBindir: string;
  /** Physical replication slot the passive streams through; '' for none. */
  replicationSlot: string;
}

function pick(inv: Inventory, host: InventoryHost | undefined, name: string): unknown {
  return host?.vars?.[name] ?? inv.vars[name];
}

export function ktsVars(inv: Inventory, host?: InventoryHost): KtsVars {
  const str = (n: string, d: string) => {
    const v = pick(inv, host, n);
    return typeof v === 'string' && v ? v : d;
  };
  const port = Number(pick(inv, host, 'db_port') ?? KTS_DEFAULTS.db_port);
  return {
    confdir: str('confdir', KTS_DEFAULTS.confdir).replace(/\/+$/, ''),
    dbPort: Number.isInteger(port) && port > 0 ? port : KTS_DEFAULTS.db_port,
    pgRootdir: str('pg_rootdir', KTS_DEFAULTS.pg_rootdir).replace(/\/+$/, ''),
    serviceUser: str('service_user', KTS_DEFAULTS.service_user),
    database: str('database', KTS_DEFAULTS.database),
    pgBindir: str('pg_bindir', KTS_DEFAULTS.pg_bindir),
    replicationSlot: str('replication_slot', ''),
  };
}

/** The pair: exactly one active and one passive; kms hosts are clients (backed up, never restored over). */
export function pairOf(inv: Inventory): { active: InventoryHost; passive: InventoryHost } {
  const active = inv.hosts.filter((h) => h.roles.includes('active'));
  const passive = inv.hosts.filter((h) => h.roles.includes('passive'));
  if (active.length !== 1 || passive.length !== 1) {
    throw new Error(
      `inventory ${inv.file}: a Key Trustee pair needs exactly one host with role active and one with role passive (found active: ${active.map((h) => h.name).join(', ') || 'none'}; passive: ${passive.map((h) => h.name).join(', ') || 'none'})`,
    );
  }
  if (active[0] === passive[0]) throw new Error(`inventory ${inv.file}: host ${active[0]!.name} cannot be both active and passive`);
  return { active: active[0]!, passive: passive[0]! };
}
