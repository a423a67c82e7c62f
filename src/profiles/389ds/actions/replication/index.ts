import type { Action } from '../../../../actions/types.ts';
import { serviceStart } from '../service/service-start.ts';
import { serviceStop } from '../service/service-stop.ts';
import { verifyConverged } from '../verify/verify-converged.ts';
import { verifyEntries } from '../verify/verify-entries.ts';
import { caSurvivors } from './ca-survivors.ts';
import { replicationDisable } from './replication-disable.ts';
import { replicationEnable } from './replication-enable.ts';
import { replicationFence } from './replication-fence.ts';
import { replicationNewGeneration } from './new-generation.ts';
import { replicationPoke } from './replication-poke.ts';
import { replicationReinit } from './replication-reinit.ts';
import { replicationStatus } from './replication-status.ts';
import { topologyDiscover } from './topology-discover.ts';

/** Replication, service and verification verbs of the 389ds profile. */
export const replicationActions: Action[] = [
  topologyDiscover,
  replicationFence,
  replicationDisable,
  replicationEnable,
  replicationReinit,
  replicationNewGeneration,
  replicationStatus,
  replicationPoke,
  serviceStop,
  serviceStart,
  verifyConverged,
  verifyEntries,
  caSurvivors,
];
