import type { Action } from '../../types.ts';

export const provisionActions: Action[] = [];
