import type { Node } from 'yaml';
import type { SourceLocation } from '../source/location.ts';
import type { Inventory, SecretRef, SshSettings } from './types.ts';
import type { YamlSource } from '../source/yaml-source.ts';
import { didYouMean } from '../source/suggest.ts';
import { checkRole } from './roles.ts';
import { mergeSsh } from './ssh-settings.ts';
import { identityFileAt } from './identity-files.ts';
import { pathNameProblem } from './safe-name.ts';
import { checkNumericVars, checkRoleVar, checkSuffixVars, checkTopologyVar } from './var-checks.ts';

/** What a format reader found, with the nodes needed to point at mistakes. */
export interface DraftHost {
  name: string;
  nameNode: Node;
  address: string;
  addressNode: Node;
  roles: { role: string; node: Node }[];
  vars: Record<string, unknown>;
  /** Where the host's vars were written (errors about them point there). */
  varsNode?: Node;
  ssh: Partial<SshSettings>;
}

export interface DraftGroup {
  name: string;
  nameNode: Node;
  members: { name: string; node: Node }[];
}

export interface DraftInventory {
  cluster: string;
  clusterNode?: Node;
  profile: string;
  vars: Record<string, unknown>;
  varsNode?: Node;
  secrets: Record<string, SecretRef>;
  ssh: Partial<SshSettings>;
  hosts: DraftHost[];
  groups: DraftGroup[];
}

const RESERVED_GROUPS = ['all', 'ungrouped'];

/** Checks that hold across hosts and groups (same rules for both formats), then builds the Inventory. */
export function finishInventory(src: YamlSource, file: string, draft: DraftInventory): Inventory {
  const hostNames = draft.hosts.map((h) => h.name);
  const hostSet = new Set(hostNames);
  const byAddress = new Map<string, string>();

  const clusterProblem = pathNameProblem(draft.cluster);
  if (clusterProblem) src.error(draft.clusterNode ?? src.root, `cluster name "${draft.cluster}" ${clusterProblem}`);
  checkNumericVars(src, draft.vars, 'vars', draft.varsNode ?? src.root);
  checkTopologyVar(src, draft.vars, hostNames, draft.varsNode ?? src.root);
  checkSuffixVars(src, draft.vars, 'vars', draft.varsNode ?? src.root);

  for (const h of draft.hosts) {
    const nameProblem = pathNameProblem(h.name);
    if (nameProblem) src.error(h.nameNode, `host name "${h.name}" ${nameProblem}`);
    checkNumericVars(src, h.vars, `host ${h.name}`, h.varsNode ?? h.nameNode);
    checkRoleVar(src, h.vars, `host ${h.name}`, h.varsNode ?? h.nameNode);
    checkSuffixVars(src, h.vars, `host ${h.name}`, h.varsNode ?? h.nameNode);
    for (const { role, node } of h.roles) {
      const problem = checkRole(role, draft.profile);
      if (problem) src.error(node, `host ${h.name}: ${problem}`);
    }
    // Two hosts may share an address only on different ports (in-process test servers do).
    const port = h.ssh.port ?? draft.ssh.port ?? 22;
    const key = `${h.address.toLowerCase()}:${port}`;
    const first = byAddress.get(key);
    if (first) src.error(h.addressNode, `host ${h.name}: duplicate address ${h.address} port ${port}, already used by host ${first}`);
    else byAddress.set(key, h.name);
    if (h.ssh.jump === h.name) src.error(h.nameNode, `host ${h.name} cannot jump through itself (ssh.jump)`);
  }

  const groups: Record<string, string[]> = {};
  for (const g of draft.groups) {
    if (RESERVED_GROUPS.includes(g.name)) {
      src.error(g.nameNode, `group name "${g.name}" is reserved`);
      continue;
    }
    if (hostSet.has(g.name)) src.error(g.nameNode, `group "${g.name}" has the same name as a host; selectors could not tell them apart`);
    const members = new Set<string>();
    for (const m of g.members) {
      if (!hostSet.has(m.name)) src.error(m.node, `group ${g.name} names unknown host "${m.name}"${didYouMean(m.name, hostNames)}`);
      else members.add(m.name);
    }
    groups[g.name] = [...members];
  }

  // Each host's groups in one pass over the members (a per-host search is quadratic at 10,000 hosts).
  const groupsOf = new Map<string, string[]>();
  for (const [g, members] of Object.entries(groups)) for (const m of members) (groupsOf.get(m) ?? groupsOf.set(m, []).get(m)!).push(g);

  const hosts = draft.hosts.map((h) => {
    const ssh = mergeSsh(draft.ssh, h.ssh);
    // The jump host named inventory-wide is reached directly itself.
    if (ssh.jump === h.name && h.ssh.jump === undefined) delete ssh.jump;
    return { draft: h, ssh };
  });
  const jumpOf = new Map(hosts.map((x) => [x.draft.name, x.ssh.jump]));
  for (const { draft: h } of hosts) {
    const chain = [h.name];
    for (let next = jumpOf.get(h.name); next !== undefined && jumpOf.has(next); next = jumpOf.get(next)) {
      if (chain.includes(next)) {
        if (next === h.name && chain.length > 1) src.error(h.nameNode, `host ${h.name}: ssh.jump goes round in a loop (${[...chain, next].join(' -> ')})`);
        break;
      }
      chain.push(next);
    }
  }

  const keyAt: Record<string, SourceLocation> = {};
  const addressAt: Record<string, SourceLocation> = {};
  for (const { draft: h } of hosts) {
    addressAt[h.name] = src.loc(h.addressNode);
    const at = identityFileAt(h.ssh, draft.ssh);
    if (at) keyAt[h.name] = at;
  }

  return {
    ...(Object.keys(keyAt).length > 0 ? { identityFileAt: keyAt } : {}),
    addressAt,
    file,
    cluster: draft.cluster,
    profile: draft.profile,
    vars: draft.vars,
    secrets: draft.secrets,
    groups,
    hosts: hosts.map(({ draft: h, ssh }) => ({
      name: h.name,
      address: h.address,
      roles: [...new Set(h.roles.map((r) => r.role))],
      groups: groupsOf.get(h.name) ?? [],
      vars: h.vars,
      ssh,
    })),
  };
}
