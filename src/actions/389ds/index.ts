import type { Action } from '../types.ts';
import { backupActions } from './backup/index.ts';
import { provisionActions } from './provision/index.ts';
import { replicationActions } from './replication/index.ts';

/**
 * Profile `389ds`: instances, replication, backups and verification on real 389 Directory Servers.
 * IdM (`ipa`) runs 389-ds underneath with the same LDAPI socket and tools, so they serve it too.
 */
export const PROFILES_389DS = ['389ds', 'ipa'];

export const actions389ds: Action[] = [...provisionActions, ...replicationActions, ...backupActions].map((a) => ({
  ...a,
  profiles: PROFILES_389DS,
}));
