import { fileURLToPath } from 'node:url';
import { info389ds } from '../389ds/info.ts';
import type { ProfileInfo } from '../types.ts';

export const infoIpa: ProfileInfo = {
  ...info389ds,
  name: 'ipa',
  description: 'FreeIPA / Red Hat IdM: ipactl, ipa-backup/ipa-restore, ipa-replica-manage and ipa-csreplica-manage around the 389ds directory-level actions',
  playbooksDir: fileURLToPath(new URL('../../../playbooks/ipa/', import.meta.url)),
  // IdM's directory is 389-ds: lab-provision and rejoin are the 389ds ones.
  reusesPlaybooksOf: '389ds',
  // The 389-ds rehearsals are the 389ds profile's, not listed twice.
  rehearsalNames: undefined,
  load: async () => (await import('./index.ts')).profileIpa,
};
