import { fileURLToPath } from 'node:url';
import type { ProfileInfo } from '../types.ts';

/** Profile `ciphertrust`: Thales CipherTrust Manager clusters, driven over their REST API (seed 003). */
export const infoCiphertrust: ProfileInfo = {
  name: 'ciphertrust',
  description: 'Thales CipherTrust Manager: node backups encrypted by backup keys, system/domain scope, restore window, cluster remove/rebuild',
  playbooksDir: fileURLToPath(new URL('../../../playbooks/ciphertrust/', import.meta.url)),
  roles: ['member'],
  // The REST API from the controller: no SSH to the nodes (a ksctl admin host is plan-only).
  reach: 'api',
  load: async () => (await import('./index.ts')).profileCiphertrust,
  vars: {
    api_user: { type: 'string', default: 'admin', description: 'User the API logs in as (secret api_password is its password)' },
    api_domain: { type: 'string', description: 'Log-in domain (default: the root domain)' },
    api_ca_file: { type: 'string', description: 'PEM file of the CA that signed the nodes\' web certificates (relative to the inventory)' },
    api_url: { type: 'string', description: 'Host var: https://address[:port] of the node API (default https://<address>)' },
    api_pin_sha256: { type: 'string', description: 'Host var: SHA-256 fingerprint the node certificate must have' },
    poll_interval_ms: { type: 'number', default: 2000, description: 'Pause between status polls' },
    lts_releases: { type: 'string[]', default: [], description: 'LTS releases the site runs or knows (widen the restore window)' },
    access: { type: 'string', default: 'api', description: 'api (REST from the controller) or ksctl (plan shows ksctl commands for admin_host)' },
    admin_host: { type: 'string', description: 'Inventory host where ksctl runs over SSH (access: ksctl)' },
    backup_dir: { type: 'string', default: './backups', description: 'Controller catalog root (relative to the inventory)' },
  },
};
