import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { fqdn, labPaths } from '../../../lab/names.ts';
import type { LabState } from '../../../lab/state.ts';
import { topologyGraph, type LabTopology } from './topology.ts';
import { LAB_CA_SUFFIX, labShape, type LabShape } from './shape.ts';

export { LAB_INSTANCE, LAB_SUFFIX, LAB_CA_SUFFIX } from './shape.ts';

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

export interface LabCaOptions {
  /** Topology of o=ipaca among the CA hosts (default: every CA host with every other). */
  topology?: LabTopology;
  /**
   * IdM numbers the CA suffix's replica ids independently: with this, CA host k (in host order)
   * gets ca_replica_id = the domain replica id of the k-th CA host from the END, so one host's CA
   * id is another's domain id (the trap a rebuild that reuses the domain id falls into).
   */
  ownIds?: boolean;
}

/** CA replica ids per CA host: reversed domain ids among the CA hosts, plus 1000 when they would coincide. */
export function caReplicaIds(caHosts: { name: string; index: number }[]): Record<string, number> {
  const reversed = [...caHosts].reverse();
  return Object.fromEntries(caHosts.map((h, i) => [h.name, reversed[i]!.index === h.index ? 1000 + h.index : reversed[i]!.index]));
}

/** Lifeboat's own inventory format (src/inventory/lifeboat-format.ts) describing the lab. */
export function labInventory(state: LabState, topology: LabTopology, ca: LabCaOptions = {}, shape: LabShape = {}): Record<string, unknown> {
  const { instance, suffix } = labShape(shape);
  const p = labPaths(state.name);
  const names = state.hosts.map((h) => h.name);
  const caHosts = state.hosts.filter((h) => labRoles(h.index, state.hosts.length).includes('ca'));
  const caIds = ca.ownIds ? caReplicaIds(caHosts) : {};
  const hosts: Record<string, unknown> = {};
  for (const h of state.hosts) {
    hosts[h.name] = {
      address: h.address,
      roles: labRoles(h.index, state.hosts.length),
      vars: { replica_id: h.index, ...(caIds[h.name] !== undefined ? { ca_replica_id: caIds[h.name] } : {}), fqdn: fqdn(h.name) },
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
      instance,
      suffixes: [suffix],
      ca_suffix: LAB_CA_SUFFIX,
      topology_kind: topology,
      topology: topologyGraph(names, topology),
      ...(ca.topology ? { ca_topology_kind: ca.topology, ca_topology: topologyGraph(caHosts.map((h) => h.name), ca.topology) } : {}),
    },
    secrets: { dm_password: { file: p.dmPasswordFile }, repl_password: { file: p.replPasswordFile } },
    hosts,
    groups: labGroups(names),
  };
}

export async function writeLabInventory(file: string, state: LabState, topology: LabTopology, ca: LabCaOptions = {}, shape: LabShape = {}): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const header = `# Written by \`lifeboat lab up\` for lab "${state.name}"; removed by \`lifeboat lab down\`.\n`;
  await writeFile(file, header + stringify(labInventory(state, topology, ca, shape)), { mode: 0o644 });
}
