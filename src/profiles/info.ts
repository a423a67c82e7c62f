import { info389ds } from './389ds/info.ts';
import { infoIpa } from './ipa/info.ts';
import { infoKeytrustee } from './keytrustee/info.ts';
import { infoCiphertrust } from './ciphertrust/info.ts';
import type { ProfileInfo } from './types.ts';

/**
 * The light half of the profile registry: names, roles and vars, for the inventory loader (which
 * the actions themselves import, so it cannot import the actions). One line per profile.
 */
export const PROFILE_INFOS: readonly ProfileInfo[] = [
  info389ds,
  infoIpa,
  infoKeytrustee,
  infoCiphertrust,
];

export function profileInfo(name: string): ProfileInfo | undefined {
  return PROFILE_INFOS.find((p) => p.name === name);
}

/** Roles the profile knows (undefined for an unknown profile: the inventory loader reports that). */
export function profileRoles(profile: string): readonly string[] | undefined {
  return profileInfo(profile)?.roles;
}
