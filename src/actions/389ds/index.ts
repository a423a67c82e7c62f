import type { Action } from '../types.ts';
import { backupActions } from './backup/index.ts';
import { provisionActions } from './provision/index.ts';
import { replicationActions } from './replication/index.ts';

/** Profile `389ds`: instances, replication, backups and verification on real 389 Directory Servers. */
export const actions389ds: Action[] = [...provisionActions, ...replicationActions, ...backupActions];
