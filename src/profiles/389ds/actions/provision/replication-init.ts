import type { Action } from '../../../../actions/types.ts';
import { replicationReinit } from '../replication/replication-reinit.ts';

/**
 * The initial total update of a new topology: the same careful wait as replication.reinit
 * (LastInitStart/End/Status against the trigger time, retry on "replica busy"), from the host's
 * topology parent, for every suffix both hold. Not destructive here: the consumers are empty.
 */
export const replicationInit: Action = {
  ...replicationReinit,
  name: 'replication.init',
  description: 'Initial total update of this host from its topology parent (or `from`), every shared suffix',
  destructive: false,
};
