import type { Action } from '../../types.ts';
import { backupCreate } from './backup-create.ts';
import { backupRestore } from './backup-restore.ts';

export const backupActions: Action[] = [backupCreate, backupRestore];
