import type { ActionContext } from '../../../../actions/types.ts';

/**
 * Hosts replication.fence accepted as fenced (unreachable, confirmed stopped): the later steps of
 * the run leave them alone instead of failing on them. Set as the run fact `fenced`.
 */
export function fencedHosts(ctx: Pick<ActionContext, 'vars'>): string[] {
  const f = ctx.vars.fenced;
  return Array.isArray(f) ? f.map(String) : [];
}

export function isFenced(ctx: Pick<ActionContext, 'vars' | 'host'>): boolean {
  return fencedHosts(ctx).includes(ctx.host.name);
}

export const FENCED_RESULT = { changed: false, summary: 'fenced (unreachable, confirmed stopped): skipped' };
