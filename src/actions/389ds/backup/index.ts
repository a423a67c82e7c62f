import type { Action } from '../../types.ts';

export const backupActions: Action[] = [];
