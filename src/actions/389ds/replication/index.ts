import type { Action } from '../../types.ts';

export const replicationActions: Action[] = [];
