import { existsSync, readFileSync } from 'node:fs';
import { loadInventory } from '../inventory/index.ts';
import { SshPool } from '../transport/index.ts';
import { ldapSearch, attr } from '../profiles/389ds/actions/ldap.ts';
import { instanceName } from '../profiles/389ds/actions/host-vars.ts';
import { hostPids, isHostProcess } from './host-process.ts';
import { loadLab } from './host-ops.ts';
import { linkIsUp } from './network.ts';

export interface LabAgreementStatus {
  suffix: string;
  peer: string;
  enabled: boolean;
  status: string;
}

export interface LabHostStatus {
  name: string;
  address: string;
  running: boolean;
  killed: boolean;
  linkUp: boolean;
  pid1?: number;
  processes: { pid: number; command: string }[];
  agreements: LabAgreementStatus[];
  /** Why agreements could not be read (host down, cut, no instance). */
  error?: string;
}

export interface LabStatus {
  name: string;
  created: string;
  topology?: string;
  inventoryFile?: string;
  hosts: LabHostStatus[];
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

/** Hosts, their processes, and each host's own agreement statuses (read over SSH, never a peer's view). */
export async function labStatus(name: string, opts: { agreements?: boolean } = {}): Promise<LabStatus> {
  const state = await loadLab(name);
  const hosts: LabHostStatus[] = [];
  for (const h of state.hosts) {
    const running = isHostProcess(h.pid1, name, h.name, /sshd/);
    hosts.push({
      name: h.name,
      address: h.address,
      running,
      killed: h.killed === true,
      linkUp: await linkIsUp(name, h.name),
      pid1: running ? h.pid1 : undefined,
      processes: running ? hostPids(h.pid1).map((pid) => ({ pid, command: command(pid) })) : [],
      agreements: [],
    });
  }
  if (opts.agreements !== false && state.inventoryFile && existsSync(state.inventoryFile)) {
    const inv = await loadInventory(state.inventoryFile);
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
  return { name, created: state.created, topology: state.topology, inventoryFile: state.inventoryFile, hosts };
}
