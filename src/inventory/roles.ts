import { didYouMean } from '../playbook/suggest.ts';

/** Roles Lifeboat knows; `x-…` roles are free for sites to add their own. */
export const KNOWN_ROLES = ['ca', 'kra', 'dns', 'hidden', 'renewal'] as const;

export const PROFILES = ['389ds', 'ipa', 'keytrustee'] as const;

/** An error message for an unknown role, or undefined when the role is fine. */
export function checkRole(role: string): string | undefined {
  if ((KNOWN_ROLES as readonly string[]).includes(role) || /^x-[a-z0-9][a-z0-9_-]*$/i.test(role)) return undefined;
  return `unknown role "${role}"${didYouMean(role, KNOWN_ROLES)}; known roles: ${KNOWN_ROLES.join(', ')} (or x-<name> for your own)`;
}
