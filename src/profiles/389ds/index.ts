import { actions389ds } from '../../actions/389ds/index.ts';
import type { Profile, ProfileLabOptions } from '../types.ts';
import { info389ds } from './info.ts';

/**
 * Profile `389ds`: real 389 Directory Servers. Its actions still live in src/actions/389ds/ and its
 * playbooks in playbooks/ (they move under src/profiles/389ds/ and playbooks/389ds/ later; the
 * playbook lookup already tries playbooks/389ds/ first). Lab and rehearsals load lazily.
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
