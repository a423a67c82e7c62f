import type { Action } from '../../../../actions/types.ts';
import { backupCheck } from './backup-check.ts';
import { backupCreate } from './backup-create.ts';
import { backupRestore } from './backup-restore.ts';

export const backupActions: Action[] = [backupCreate, backupCheck, backupRestore];
