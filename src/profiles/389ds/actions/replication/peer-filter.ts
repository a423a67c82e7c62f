import type { ActionContext } from '../../../../actions/types.ts';
import type { Agreement } from './agreements.ts';

/** `to: ds3` (or a list): only agreements toward those hosts. Absent: every agreement. */
export function peerFilter(ctx: ActionContext): (a: Agreement) => boolean {
  const to = ctx.args.to;
  if (to === undefined || to === null || to === '' || to === 'all') return () => true;
  const names = Array.isArray(to) ? to.map(String) : String(to).split(',').map((s) => s.trim());
  return (a) => a.peer !== undefined && names.includes(a.peer);
}

export const TO_ARG = { type: 'any' as const, description: 'Only agreements toward these hosts (a host or a list); default: all' };
