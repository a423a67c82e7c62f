import { actions389ds } from './389ds/index.ts';
import { builtinActions } from './builtin/index.ts';
import { ipaActions } from '../profiles/ipa/actions/index.ts';
import type { Action } from './types.ts';

/** Every action a playbook can name, by its `do:` name. */
const actions = new Map<string, Action>();

export function registerActions(list: Action[]): void {
  for (const a of list) {
    if (actions.has(a.name) && actions.get(a.name) !== a) throw new Error(`action "${a.name}" is registered twice`);
    actions.set(a.name, a);
  }
}

export function getAction(name: string): Action | undefined {
  return actions.get(name);
}

/** The live map (validatePlaybook takes it as `knownActions`). */
export function allActions(): Map<string, Action> {
  return actions;
}

registerActions(builtinActions);
registerActions(actions389ds);
// Until the profile registry lands: the ipa profile's own verbs, on profile ipa only.
registerActions(ipaActions.map((a) => ({ ...a, profiles: ['ipa'] })));
