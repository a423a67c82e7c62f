import type { Action } from '../../../actions/types.ts';
import { backupActions } from './backup/index.ts';
import { provisionActions } from './provision/index.ts';
import { replicationActions } from './replication/index.ts';

/**
 * Profile `389ds`: instances, replication, backups and verification on real 389 Directory Servers.
 * IdM (`ipa`) registers these same objects; the registry tags each with the profiles serving it.
 */
export const actions389ds: Action[] = [...provisionActions, ...replicationActions, ...backupActions];
