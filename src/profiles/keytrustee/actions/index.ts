import type { Action } from '../../../actions/types.ts';

/** The keytrustee verbs; `backup.*` and `service.*` share their names with the 389ds ones. */
export const ktsActions: Action[] = [];
