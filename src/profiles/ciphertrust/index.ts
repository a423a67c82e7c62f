import type { Action } from '../../actions/types.ts';
import type { ProfileCode } from '../types.ts';
import { backupCreateAction } from './actions/backup-create.ts';
import { backupCheckAction, backupRestoreAction } from './actions/backup-restore.ts';
import { backupKeysAction } from './actions/backupkeys.ts';
import { clusterJoinAction, clusterNewAction, clusterNodesAction, clusterRemoveAction, clusterWaitHealthyAction } from './actions/cluster.ts';
import { checkCtmBody, CTM_ARCHIVE_LAYOUT } from './catalog.ts';

/** The profile's own verbs (looked up by (profile, name), so `backup.create` is this one here). */
export const ciphertrustActions: Action[] = [
  backupKeysAction,
  backupCreateAction,
  backupCheckAction,
  backupRestoreAction,
  clusterNodesAction,
  clusterRemoveAction,
  clusterNewAction,
  clusterJoinAction,
  clusterWaitHealthyAction,
];

export const profileCiphertrust: ProfileCode = {
  actions: ciphertrustActions,
  checkBackupBody: checkCtmBody,
  backupArchive: CTM_ARCHIVE_LAYOUT,
  describeBackupBody: (b) =>
    `${String(b.scope)} backup ${String(b.backupId)}, release ${String(b.release)}, encrypted by backup key ${String(b.backupKey)}${b.keyFile ? ' (key file kept)' : ''}${b.tiedToHsm ? ', tied to the HSM' : ''}`,
};
