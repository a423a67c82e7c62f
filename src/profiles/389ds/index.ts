import { actions389ds } from './actions/index.ts';
import { archiveLayout389ds } from './actions/backup/archive-layout.ts';
import type { ProfileCode, ProfileLabOptions } from '../types.ts';

/**
 * Profile `389ds`: real 389 Directory Servers. Its actions live in ./actions/, its playbooks in
 * playbooks/389ds/. The lab loads lazily.
 */
export const profile389ds: ProfileCode = {
  actions: actions389ds,
  backupArchive: archiveLayout389ds,
  lab: {
    async up(o: ProfileLabOptions) {
      const { labUp } = await import('../../lab/index.ts');
      // No per-host progress lines: the phase lines are what a 389-ds lab prints.
      return labUp({ name: o.name, hosts: o.hosts, entries: o.entries, topology: o.topology as never, out: o.out, recreate: o.recreate, ca: o.ca as never, onPhase: o.onPhase });
    },
    banner: (o) => `lab ${o.name}: ${o.hosts} hosts, ${o.topology}, ${o.entries} entries`,
  },
};
