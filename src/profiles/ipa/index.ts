import { profile389ds } from '../389ds/index.ts';
import type { ProfileCode } from '../types.ts';
import { ipaActions } from './actions/index.ts';
import { archiveLayoutIpa, checkIpaBackupBody, describeIpaBackupBody } from './backup-body.ts';

/**
 * Profile `ipa`: IdM runs 389-ds underneath with the same LDAPI socket and tools, so it registers
 * the very 389ds action objects (the registry then lists both profiles on each of them).
 */
export const profileIpa: ProfileCode = {
  // The 389ds objects themselves serve the directory-level steps (disable, enable, topology,
  // verify); ipa's own verbs (src/profiles/ipa/actions/) wrap FreeIPA's tools.
  actions: [...profile389ds.actions, ...ipaActions],
  checkBackupBody: checkIpaBackupBody,
  describeBackupBody: describeIpaBackupBody,
  backupArchive: archiveLayoutIpa,
  lab: profile389ds.lab,
};
