import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { fqdn, labPaths } from './names.ts';
import type { LabState } from './state.ts';
import { topologyGraph, type LabTopology } from './topology.ts';

export const LAB_INSTANCE = 'lab';
export const LAB_SUFFIX = 'dc=lab,dc=test';
export const LAB_CA_SUFFIX = 'o=ipaca';

/**
 * Roles as in IdM: the first two hosts carry the CA; the last one is hidden and carries the CA too,
 * because backups run there and IdM recommends "a hidden replica with all server roles installed,
 * especially the CA" for them (a backup host lacking a role in use is refused, like ipa-backup).
 */
export function labRoles(index: number, count: number): string[] {
  const roles: string[] = [];
  if (index <= 2 || index === count) roles.push('ca');
  if (index === count) roles.push('hidden');
  return roles;
}

/** The two "data centres" of the two-dc topology, used as inventory groups for every topology. */
export function labGroups(hosts: string[]): Record<string, string[]> {
  const half = Math.ceil(hosts.length / 2);
  return { dc1: hosts.slice(0, half), dc2: hosts.slice(half) };
}

/** Lifeboat's own inventory format (src/inventory/lifeboat-format.ts) describing the lab. */
export function labInventory(state: LabState, topology: LabTopology): Record<string, unknown> {
  const p = labPaths(state.name);
  const names = state.hosts.map((h) => h.name);
  const hosts: Record<string, unknown> = {};
  for (const h of state.hosts) {
    hosts[h.name] = {
      address: h.address,
      roles: labRoles(h.index, state.hosts.length),
      vars: { replica_id: h.index, fqdn: fqdn(h.name) },
    };
  }
  return {
    cluster: state.name,
    profile: '389ds',
    ssh: {
      user: 'root',
      port: 22,
      identity_file: p.privateKey,
      known_hosts: p.knownHosts,
      host_key_policy: 'strict',
      use_agent: false,
      connect_timeout: '5s',
    },
    vars: {
      instance: LAB_INSTANCE,
      suffixes: [LAB_SUFFIX],
      ca_suffix: LAB_CA_SUFFIX,
      topology_kind: topology,
      topology: topologyGraph(names, topology),
    },
    secrets: { dm_password: { file: p.dmPasswordFile }, repl_password: { file: p.replPasswordFile } },
    hosts,
    groups: labGroups(names),
  };
}

export async function writeLabInventory(file: string, state: LabState, topology: LabTopology): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const header = `# Written by \`lifeboat lab up\` for lab "${state.name}"; removed by \`lifeboat lab down\`.\n`;
  await writeFile(file, header + stringify(labInventory(state, topology)), { mode: 0o644 });
}
