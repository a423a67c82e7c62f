import { didYouMean } from '../source/suggest.ts';
import { PROFILE_INFOS, profileRoles } from '../profiles/info.ts';

/** Roles Lifeboat knows; `x-…` roles are free for sites to add their own. */
export const KNOWN_ROLES = ['ca', 'kra', 'dns', 'hidden', 'renewal'] as const;

/** Every profile's name, from the profile registry. */
export const PROFILES: readonly string[] = PROFILE_INFOS.map((p) => p.name);

/** An error message for an unknown role, or undefined when the role is fine. */
export function checkRole(role: string, profile = '389ds'): string | undefined {
  const known = profileRoles(profile) ?? KNOWN_ROLES;
  if (known.includes(role) || /^x-[a-z0-9][a-z0-9_-]*$/i.test(role)) return undefined;
  return `unknown role "${role}"${didYouMean(role, known)}; known roles${profile === '389ds' ? '' : ` of profile ${profile}`}: ${known.join(', ')} (or x-<name> for your own)`;
}
