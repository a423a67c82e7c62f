import { ActionError, type ActionContext } from '../../../actions/types.ts';
import { SCOPES, type Scope } from '../api-paths.ts';

/** Templated arguments arrive as strings too: `"true"`, `"3"`. */
export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 'yes';
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
}

/** `system` (the default, as in ksctl) or `domain`; anything else is refused before any call. */
export function scopeArg(ctx: ActionContext, action: string, v: unknown = ctx.args.scope): Scope {
  const s = str(v) ?? 'system';
  if (!SCOPES.includes(s as Scope)) throw new ActionError(`${ctx.host.name}: ${action}: scope must be system or domain (got ${JSON.stringify(v)}); nothing was changed`);
  return s as Scope;
}

export function count(ctx: ActionContext, action: string, name: string, v: unknown, min: number): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ActionError(`${ctx.host.name}: ${action}: ${name} must be a whole number >= ${min} (got ${JSON.stringify(v)})`);
  return n;
}
