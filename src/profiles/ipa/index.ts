import { profile389ds } from '../389ds/index.ts';
import type { Profile } from '../types.ts';
import { infoIpa } from './info.ts';

/**
 * Profile `ipa`: IdM runs 389-ds underneath with the same LDAPI socket and tools, so it registers
 * the very 389ds action objects (the registry then lists both profiles on each of them).
 */
export const profileIpa: Profile = {
  ...infoIpa,
  actions: profile389ds.actions,
  lab: profile389ds.lab,
};
