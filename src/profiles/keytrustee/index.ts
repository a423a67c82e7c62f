import type { Profile } from '../types.ts';
import { infoKeytrustee } from './info.ts';

/** Profile `keytrustee`: Cloudera Key Trustee Server pairs (PostgreSQL active/passive, seed 004). */
export const profileKeytrustee: Profile = {
  ...infoKeytrustee,
  actions: [],
};
