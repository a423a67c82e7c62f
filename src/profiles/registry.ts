import { builtinActions } from '../actions/builtin/index.ts';
import type { Action } from '../actions/types.ts';
import { InputError } from '../util/errors.ts';
import { PROFILE_INFOS } from './info.ts';
import type { Profile } from './types.ts';

/**
 * The profiles of src/profiles/info.ts's list with their code loaded. The code is imported, once,
 * by loadProfiles() (the run loader and the commands that need a profile's lab or rehearsals call
 * it): the inventory loader reads the same list without importing any action.
 */
let loaded: Profile[] | undefined;
let index: Map<string, Profile> | undefined;

export async function loadProfiles(): Promise<void> {
  if (loaded) return;
  const all = await Promise.all(PROFILE_INFOS.map(async (info): Promise<Profile> => ({ ...info, ...(await info.load()) })));
  loaded ??= all;
}

/** The profile with its code, loading it first. */
export async function loadProfile(name: string): Promise<Profile> {
  await loadProfiles();
  return getProfile(name);
}

const PROFILE_LIST = (): Profile[] => {
  if (!loaded) throw new Error('the profile registry was used before loadProfiles()');
  return loaded;
};
const profilesByName = () => (index ??= new Map(PROFILE_LIST().map((p) => [p.name, p])));

export function profileNames(): string[] {
  return [...profilesByName().keys()];
}

export function getProfile(name: string): Profile {
  const p = profilesByName().get(name);
  if (!p) throw new InputError(`unknown profile "${name}" (known: ${profileNames().join(', ')})`);
  return p;
}

export function findProfile(name: string): Profile | undefined {
  return profilesByName().get(name);
}

/**
 * The action objects, each once, with `profiles` set to the profiles that register that very
 * object (ipa registers the 389ds ones, so they serve both). Builtins carry no `profiles`. Built on
 * first use, after loadProfiles().
 */
let tables: Map<string, Map<string, Action>> | undefined;
function byProfile(): Map<string, Map<string, Action>> {
  if (tables) return tables;
  const servedBy = new Map<Action, string[]>();
  for (const p of PROFILE_LIST()) for (const a of p.actions) servedBy.set(a, [...(servedBy.get(a) ?? []), p.name]);
  const tagged = new Map<Action, Action>([...servedBy].map(([a, names]) => [a, { ...a, profiles: names }]));
  const out = new Map<string, Map<string, Action>>();
  for (const p of PROFILE_LIST()) {
    const m = new Map<string, Action>(builtinActions.map((a) => [a.name, a]));
    for (const a of p.actions) {
      if (m.has(a.name)) throw new Error(`profile ${p.name}: action "${a.name}" is registered twice`);
      m.set(a.name, tagged.get(a)!);
    }
    out.set(p.name, m);
  }
  return (tables = out);
}

/** The action a playbook's `do:` names on an inventory of this profile. */
export function actionFor(profile: string, name: string): Action | undefined {
  return byProfile().get(profile)?.get(name);
}

/**
 * For validation: the profile's actions, plus (under their names) the actions only other
 * profiles have, so a playbook naming one gets "not available for profile X" rather than
 * "unknown action".
 */
export function actionsForValidation(profile: string): Map<string, Action> {
  const out = new Map<string, Action>();
  for (const m of byProfile().values()) for (const [n, a] of m) if (!out.has(n)) out.set(n, a);
  for (const [n, a] of byProfile().get(profile) ?? []) out.set(n, a);
  return out;
}
