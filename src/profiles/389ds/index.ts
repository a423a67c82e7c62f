import { actions389ds } from './actions/index.ts';
import type { Profile, ProfileLabOptions } from '../types.ts';
import { info389ds } from './info.ts';

/**
 * Profile `389ds`: real 389 Directory Servers. Its actions live in ./actions/, its playbooks in
 * playbooks/389ds/. The lab loads lazily.
 */
export const profile389ds: Profile = {
  ...info389ds,
  actions: actions389ds,
  lab: {
    async up(o: ProfileLabOptions) {
      const { labUp } = await import('../../lab/index.ts');
      return labUp({ name: o.name, hosts: o.hosts, entries: o.entries, topology: o.topology as never, out: o.out, recreate: o.recreate, onPhase: o.onPhase, onProgress: o.onProgress });
    },
  },
};
