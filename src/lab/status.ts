import { readFileSync } from 'node:fs';
import { hostPids, isHostProcess } from './host-process.ts';
import { loadLab } from './host-ops.ts';
import { linkIsUp } from './network.ts';

/** A replication agreement of a host, as a profile's lab status reads it (389ds). */
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
  /** Filled by a profile whose servers replicate (389ds); empty otherwise. */
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

/** Hosts and their processes and links, whatever runs on them. */
export async function labHostsStatus(name: string): Promise<LabStatus> {
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
  return { name, created: state.created, topology: state.topology, inventoryFile: state.inventoryFile, hosts };
}
