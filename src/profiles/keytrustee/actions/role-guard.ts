import { ActionError, type ActionContext } from '../../../actions/types.ts';
import { ktsVars, pairOf, type KtsVars } from '../kts-vars.ts';
import type { InventoryHost } from '../../../inventory/types.ts';

/**
 * Seed 004: "Cloudera does not support PostgreSQL promotion to convert a passive Key Trustee Server
 * to an active". Restores and rebuilds of the active therefore run only on the host whose role is
 * active; a passive is only ever rebuilt as a standby of it.
 */
export function requireRole(ctx: ActionContext, role: 'active' | 'passive', action: string): { v: KtsVars; active: InventoryHost; passive: InventoryHost } {
  let pair;
  try {
    pair = pairOf(ctx.inventory);
  } catch (e) {
    throw new ActionError(`${action}: ${(e as Error).message}`);
  }
  if (!ctx.host.roles.includes(role)) {
    const why = role === 'active'
      ? `${ctx.host.name} is not the active server (roles: ${ctx.host.roles.join(', ') || 'none'}); promoting the passive is not supported (seed 004): restore the active ${pair.active.name}, then rebuild the passive from it`
      : `${ctx.host.name} is not the passive server (roles: ${ctx.host.roles.join(', ') || 'none'}); only the passive is rebuilt as a standby`;
    throw new ActionError(`${action}: ${why}`);
  }
  return { v: ktsVars(ctx.inventory, ctx.host), ...pair };
}
