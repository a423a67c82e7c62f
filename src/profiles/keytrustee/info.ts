import { fileURLToPath } from 'node:url';
import type { ProfileInfo } from '../types.ts';

/** Seed 004's defaults (parcel-based Key Trustee Server). */
export const KTS_DEFAULTS = {
  confdir: '/var/lib/keytrustee/.keytrustee',
  db_port: 11381,
  pg_rootdir: '/var/lib/keytrustee/db',
  service_user: 'keytrustee',
  database: 'keytrustee',
  pg_bindir: '/usr/lib/postgresql/15/bin',
} as const;

export const infoKeytrustee: ProfileInfo = {
  name: 'keytrustee',
  description: 'Cloudera Key Trustee Server: PostgreSQL active/passive pair, ktbackup-style backups',
  playbooksDir: fileURLToPath(new URL('../../../playbooks/keytrustee/', import.meta.url)),
  // kms: Key Trustee KMS clients, backed up, never restored over the pair.
  roles: ['active', 'passive', 'kms'],
  rehearsalNames: ['kts-data-loss', 'kts-passive-loss', 'kts-active-loss'],
  load: async () => (await import('./index.ts')).profileKeytrustee,
  vars: {
    confdir: { type: 'string', default: KTS_DEFAULTS.confdir, description: 'Key Trustee configuration directory (GPG keyring, keytrustee.conf)' },
    db_port: { type: 'number', default: KTS_DEFAULTS.db_port, description: 'PostgreSQL port of the keytrustee database' },
    pg_rootdir: { type: 'string', default: KTS_DEFAULTS.pg_rootdir, description: 'PostgreSQL data directory' },
    service_user: { type: 'string', default: KTS_DEFAULTS.service_user, description: 'service account owning confdir and the database' },
    database: { type: 'string', default: KTS_DEFAULTS.database, description: 'database name' },
    pg_bindir: { type: 'string', default: KTS_DEFAULTS.pg_bindir, description: 'PostgreSQL binaries (pg_ctl, pg_basebackup)' },
    replication_slot: { type: 'string', default: '', description: 'physical replication slot the passive streams through (created on the active when a rebuild needs it); none by default' },
  },
};
