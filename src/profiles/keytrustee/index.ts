import type { ProfileCode } from '../types.ts';
import { ktsActions } from './actions/index.ts';
import { archiveLayoutKts } from './backup-archive.ts';
import { infoKeytrustee } from './info.ts';

/** Profile `keytrustee`: Cloudera Key Trustee Server pairs (PostgreSQL active/passive, seed 004). */
export const profileKeytrustee: ProfileCode = {
  actions: ktsActions,
  backupArchive: archiveLayoutKts,
  async readinessItems(inv, connect) {
    const { ktsReadinessItems } = await import('./readiness.ts');
    return ktsReadinessItems(inv, connect);
  },
  lab: {
    async up(o) {
      const { ktsLabUp } = await import('./lab/up.ts');
      return ktsLabUp(o);
    },
    banner: (o) => `lab ${o.name}: keytrustee, ${o.deposits} deposits`,
    async statusNotes() {
      const { KTS_LAB_NOTE } = await import('./lab/up.ts');
      return [KTS_LAB_NOTE];
    },
  },
  rehearsals: {
    names: [...(infoKeytrustee.rehearsalNames ?? [])],
    async run(o) {
      const { rehearseKts } = await import('./rehearse/rehearse.ts');
      return rehearseKts(o);
    },
  },
};
