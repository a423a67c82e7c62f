import { fileURLToPath } from 'node:url';
import type { ProfileInfo } from '../types.ts';
import { LAB_INSTANCE, LAB_SUFFIX, labShape } from './lab/shape.ts';
import { TOPOLOGIES } from './lab/topology.ts';

export const info389ds: ProfileInfo = {
  name: '389ds',
  description: '389 Directory Server replication topologies (dsconf/dsctl over LDAPI)',
  playbooksDir: fileURLToPath(new URL('../../../playbooks/389ds/', import.meta.url)),
  roles: ['ca', 'kra', 'dns', 'hidden', 'renewal'],
  vars: {
    instance: { type: 'string', description: 'dirsrv instance name (slapd-<instance>)' },
    suffixes: { type: 'string[]', description: 'suffixes backed up and restored' },
    backup_dir: { type: 'string', description: 'backup root on the controller, relative to the inventory' },
  },
  // The keys of ./rehearse/scenarios.ts (a unit test holds them equal), listed here so help loads no code.
  rehearsalNames: ['data-loss', 'server-loss', 'ca', 'ca-replica-rebuild'],
  labShape: { topologies: TOPOLOGIES, instance: LAB_INSTANCE, suffix: LAB_SUFFIX, checkShape: labShape },
  load: async () => (await import('./index.ts')).profile389ds,
};
