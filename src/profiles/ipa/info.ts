import { fileURLToPath } from 'node:url';
import { info389ds } from '../389ds/info.ts';
import type { ProfileInfo } from '../types.ts';

export const infoIpa: ProfileInfo = {
  ...info389ds,
  name: 'ipa',
  description: 'FreeIPA / Red Hat IdM (389-ds underneath; ipa-* wrappers to come)',
  playbooksDir: fileURLToPath(new URL('../../../playbooks/ipa/', import.meta.url)),
};
