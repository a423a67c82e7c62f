import { isSeq, type Node } from 'yaml';
import type { SecretRef } from './types.ts';
import type { Entry, YamlSource } from '../source/yaml-source.ts';
import type { DraftGroup, DraftHost, DraftInventory } from './draft.ts';
import { PROFILES } from './roles.ts';
import { readSecretRef } from './secret-ref.ts';
import { readSshSettings } from './ssh-settings.ts';

export const TOP_KEYS = ['cluster', 'profile', 'ssh', 'vars', 'secrets', 'hosts', 'groups'] as const;
const HOST_KEYS = ['address', 'roles', 'vars', 'ssh'];

function vars(src: YamlSource, e: Entry | undefined, what: string): Record<string, unknown> {
  if (!e || src.isNull(e.value)) return {};
  if (!src.entries(e.value, what, e.keyNode)) return {};
  return (src.toJS(e.value) as Record<string, unknown>) ?? {};
}

/** Reads Lifeboat's own inventory format (see the README (Inventory and playbook formats)). */
export function readLifeboatInventory(src: YamlSource, top: Entry[], baseDir: string, defaultCluster: string): DraftInventory {
  src.checkKeys(top, TOP_KEYS, 'the inventory');
  const get = (k: string) => top.find((e) => e.key === k);

  const clusterEntry = get('cluster');
  const cluster = clusterEntry ? src.name(clusterEntry.value, 'cluster', clusterEntry.keyNode) ?? defaultCluster : defaultCluster;

  let profile = '389ds';
  const profileEntry = get('profile');
  if (profileEntry) {
    const p = src.string(profileEntry.value, 'profile', profileEntry.keyNode);
    if (p !== undefined && !(PROFILES as readonly string[]).includes(p)) {
      src.error(profileEntry.value, `profile must be one of ${PROFILES.join(', ')}, got "${p}"`);
    } else if (p !== undefined) profile = p;
  }

  const sshEntry = get('ssh');
  const ssh = sshEntry ? readSshSettings(src, sshEntry.value, 'ssh', baseDir) : {};

  const secrets: Record<string, SecretRef> = {};
  const secretsEntry = get('secrets');
  for (const s of (secretsEntry && src.optionalEntries(secretsEntry.value, 'secrets', secretsEntry.keyNode)) || []) {
    const ref = readSecretRef(src, s.value, `secret ${s.key}`, baseDir);
    if (ref) secrets[s.key] = ref;
  }

  const hosts: DraftHost[] = [];
  const hostsEntry = get('hosts');
  if (!hostsEntry) src.error(src.root, 'the inventory has no "hosts" map');
  for (const h of (hostsEntry && src.entries(hostsEntry.value, 'hosts', hostsEntry.keyNode)) || []) {
    const host = readHost(src, h, baseDir);
    if (host) hosts.push(host);
  }

  const groups: DraftGroup[] = [];
  const groupsEntry = get('groups');
  for (const g of (groupsEntry && src.optionalEntries(groupsEntry.value, 'groups', groupsEntry.keyNode)) || []) {
    const items = src.items(g.value, `group ${g.key}`, g.keyNode) ?? [];
    const members: DraftGroup['members'] = [];
    for (const item of items) {
      const name = src.name(item, `each member of group ${g.key}`, g.keyNode);
      if (name !== undefined) members.push({ name, node: item as Node });
    }
    groups.push({ name: g.key, nameNode: g.keyNode, members });
  }

  const varsEntry = get('vars');
  return {
    cluster, clusterNode: (clusterEntry?.value as Node) ?? undefined, profile,
    vars: vars(src, varsEntry, 'vars'), varsNode: (varsEntry?.keyNode as Node) ?? undefined, secrets, ssh, hosts, groups,
  };
}

function readHost(src: YamlSource, h: Entry, baseDir: string): DraftHost | undefined {
  const what = `host ${h.key}`;
  // `ds1:` alone is a host reached at its own name.
  const entries = src.optionalEntries(h.value, what, h.keyNode);
  if (!entries) return undefined;
  src.checkKeys(entries, HOST_KEYS, what);
  const get = (k: string) => entries.find((e) => e.key === k);

  const a = get('address');
  const address = a ? src.name(a.value, `${what}: address`, a.keyNode) ?? h.key : h.key;

  const roles: DraftHost['roles'] = [];
  const r = get('roles');
  if (r && !src.isNull(r.value)) {
    const list = src.stringList(r.value, `${what}: roles`, r.keyNode) ?? [];
    const n = src.resolve(r.value);
    const nodes = isSeq(n) ? (n.items as Node[]) : [];
    list.forEach((role, i) => roles.push({ role, node: nodes[i] ?? (r.value as Node) }));
  }

  const s = get('ssh');
  const ssh = s ? readSshSettings(src, s.value, `${what}: ssh`, baseDir) : {};

  return {
    name: h.key,
    nameNode: h.keyNode,
    address,
    addressNode: (a?.value as Node) ?? h.keyNode,
    roles,
    vars: vars(src, get('vars'), `${what}: vars`),
    varsNode: get('vars')?.keyNode,
    ssh,
  };
}
