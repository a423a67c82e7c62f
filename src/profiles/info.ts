import { info389ds } from './389ds/info.ts';
import { infoIpa } from './ipa/info.ts';
import { infoKeytrustee } from './keytrustee/info.ts';
import { infoCiphertrust } from './ciphertrust/info.ts';
import type { ProfileInfo } from './types.ts';

/**
 * Every profile Lifeboat knows, one line each: adding a profile is its folder, a line here and the
 * README. Each entry is light (name, roles, vars, playbooks folder) and imports its code only when
 * loaded (src/profiles/registry.ts), so the inventory loader, which the actions themselves import,
 * reads this list without importing any action.
 */
export const PROFILE_INFOS: readonly ProfileInfo[] = [
  info389ds,
  infoIpa,
  infoKeytrustee,
  infoCiphertrust,
];

/** The profile of an inventory that names none. */
export const DEFAULT_PROFILE = '389ds';

export function profileInfo(name: string): ProfileInfo | undefined {
  return PROFILE_INFOS.find((p) => p.name === name);
}

/**
 * The profiles whose playbooks/<name>/ folders serve a bare playbook name, in search order: the
 * profile itself, then the ones it declares it reuses (never the playbooks/ root).
 */
export function playbookProfiles(profile: string): string[] {
  const out: string[] = [];
  for (let p: string | undefined = profile; p !== undefined && !out.includes(p); p = profileInfo(p)?.reusesPlaybooksOf) out.push(p);
  return out;
}

/** Roles the profile knows (undefined for an unknown profile: the inventory loader reports that). */
export function profileRoles(profile: string): readonly string[] | undefined {
  return profileInfo(profile)?.roles;
}
