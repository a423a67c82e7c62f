import type { Action } from '../../../actions/types.ts';
import { ipaBackupCreate } from './backup-create.ts';
import { ipaBackupCheck, ipaBackupRestore } from './backup-restore.ts';
import { ipaPreflight } from './preflight.ts';
import { ipaCaRenewalMaster } from './renewal-master.ts';
import { ipaCaCrlMaster } from './crl-master.ts';
import { ipaReplicaReinit } from './replica-reinit.ts';
import { ipaServersDiscover } from './servers-discover.ts';
import { ipaServiceStart, ipaServiceStatus, ipaServiceStop } from './service.ts';

/** The ipa profile's own verbs; it also registers every 389ds action for the directory-level steps. */
export const ipaActions: Action[] = [
  ipaPreflight,
  ipaServiceStop,
  ipaServiceStart,
  ipaServiceStatus,
  ipaBackupCreate,
  ipaBackupCheck,
  ipaBackupRestore,
  ipaReplicaReinit,
  ipaServersDiscover,
  ipaCaRenewalMaster,
  ipaCaCrlMaster,
];
