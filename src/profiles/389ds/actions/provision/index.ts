import type { Action } from '../../../../actions/types.ts';
import { agreementCreate } from './agreement-create.ts';
import { entriesSeed } from './entries-seed.ts';
import { instanceCreate } from './instance-create.ts';
import { replicationInit } from './replication-init.ts';
import { replicationSetup } from './replication-setup.ts';
import { suffixCreate } from './suffix-create.ts';

/** Building a topology from nothing: what `lifeboat lab up` runs through playbooks/389ds/lab-provision.yaml. */
export const provisionActions: Action[] = [instanceCreate, suffixCreate, replicationSetup, agreementCreate, entriesSeed, replicationInit];
