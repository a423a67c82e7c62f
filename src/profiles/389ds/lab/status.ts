import { existsSync } from 'node:fs';
import { loadInventory } from '../../../inventory/index.ts';
import { SshPool } from '../../../transport/index.ts';
import { labHostsStatus, type LabStatus } from '../../../lab/status.ts';
import { ldapSearch, attr } from '../actions/ldap.ts';
import { instanceName } from '../actions/host-vars.ts';

export type { LabStatus };

/** A 389-ds lab's hosts, their processes, and each host's own agreement statuses (read over SSH, never a peer's view). */
export async function labStatus(name: string, opts: { agreements?: boolean } = {}): Promise<LabStatus> {
  const status = await labHostsStatus(name);
  const hosts = status.hosts;
  if (opts.agreements !== false && status.inventoryFile && existsSync(status.inventoryFile)) {
    const inv = await loadInventory(status.inventoryFile);
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      await Promise.all(
        hosts.map(async (hs) => {
          const host = inv.hosts.find((x) => x.name === hs.name);
          if (!host) return;
          if (!hs.running || !hs.linkUp) {
            hs.error = hs.running ? 'network cut' : 'not running';
            return;
          }
          try {
            const remote = await pool.get(host.name);
            const inst = instanceName(inv, host);
            const socket = await remote.exec(`test -S /run/slapd-${inst}.socket`, { timeoutMs: 5000 });
            if (socket.code === 1) {
              hs.error = `no running 389-ds instance slapd-${inst}`;
              return;
            }
            const entries = await ldapSearch(remote, inst, 'cn=mapping tree,cn=config', 'sub', '(objectClass=nsds5replicationagreement)', [
              'nsDS5ReplicaRoot', 'nsDS5ReplicaHost', 'nsds5ReplicaEnabled', 'nsds5replicaLastUpdateStatus',
            ], { timeoutMs: 5000 });
            hs.agreements = entries.map((e) => ({
              suffix: attr(e, 'nsDS5ReplicaRoot') ?? '',
              peer: (attr(e, 'nsDS5ReplicaHost') ?? '').split('.')[0]!,
              enabled: (attr(e, 'nsds5ReplicaEnabled') ?? 'on').toLowerCase() !== 'off',
              status: attr(e, 'nsds5replicaLastUpdateStatus') ?? '',
            }));
          } catch (err) {
            hs.error = (err as Error).message.split('\n')[0];
          }
        }),
      );
    } finally {
      await pool.closeAll();
    }
  }
  return status;
}
