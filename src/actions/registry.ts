import { DEFAULT_PROFILE } from '../profiles/info.ts';
import { actionFor, actionsForValidation } from '../profiles/registry.ts';
import type { Action } from './types.ts';

/** Actions added at run time (tests, plug-ins): every profile sees them. */
const extra = new Map<string, Action>();

export function registerActions(list: Action[]): void {
  for (const a of list) {
    if (extra.has(a.name) && extra.get(a.name) !== a) throw new Error(`action "${a.name}" is registered twice`);
    extra.set(a.name, a);
  }
}

/**
 * Actions are looked up by (profile, name) through the profile registry, so `backup.restore` can
 * be bak2db on 389ds and a pg_dump load on keytrustee. Without a profile: the default (389ds).
 */
export function getAction(name: string, profile = DEFAULT_PROFILE): Action | undefined {
  return actionFor(profile, name) ?? extra.get(name);
}

/** What validatePlaybook takes as `knownActions` for an inventory of this profile. */
export function allActions(profile = DEFAULT_PROFILE): Map<string, Action> {
  const m = actionsForValidation(profile);
  for (const [n, a] of extra) if (!m.has(n)) m.set(n, a);
  return m;
}
