import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { SecretRef, SshSettings } from './types.ts';
import type { Entry, YamlSource, YNode } from '../source/yaml-source.ts';
import type { DraftGroup, DraftHost, DraftInventory } from './draft.ts';
import { KNOWN_ROLES, PROFILES } from './roles.ts';
import { resolvePath } from './paths.ts';
import { rememberIdentityFileAt } from './identity-files.ts';
import { readSecretRef } from './secret-ref.ts';

const GROUP_KEYS = ['hosts', 'children', 'vars'];

interface VarDef {
  value: unknown;
  node: Node;
}

interface Group {
  name: string;
  nameNode: Node;
  /** Shallowest depth it was seen at: `all` is 0; deeper groups' vars win, as in Ansible. */
  depth: number;
  vars: Map<string, VarDef>;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
}

/** Ansible's connection variables, mapped onto Lifeboat's SSH settings. */
const ALIASES: Record<string, string> = {
  ansible_ssh_host: 'ansible_host',
  ansible_ssh_user: 'ansible_user',
  ansible_ssh_port: 'ansible_port',
  ansible_become_pass: 'ansible_become_password',
};

/** True when the document looks like an Ansible YAML inventory (`all:` or groups of hosts/children/vars). */
export function looksLikeAnsible(src: YamlSource, top: Entry[]): boolean {
  if (top.some((e) => e.key === 'all')) return true;
  if (top.some((e) => ['hosts', 'cluster', 'profile'].includes(e.key))) return false;
  return (
    top.length > 0 &&
    top.every((e) => {
      const group = src.resolve(e.value);
      if (!isMap(group) || group.items.length === 0) return false;
      return group.items.every((p) => isScalar(p.key) && GROUP_KEYS.includes(String(p.key.value)));
    })
  );
}

export function readAnsibleInventory(src: YamlSource, top: Entry[], baseDir: string, defaultCluster: string): DraftInventory {
  const groups = new Map<string, Group>();
  const hostNodes = new Map<string, Node>();
  const hostVars = new Map<string, Map<string, VarDef>>();

  const readVars = (node: YNode, what: string, fallback: Node): Map<string, VarDef> => {
    const out = new Map<string, VarDef>();
    for (const e of src.optionalEntries(node, what, fallback) ?? []) out.set(e.key, { value: src.toJS(e.value), node: (e.value as Node) ?? e.keyNode });
    return out;
  };

  const walk = (name: string, nameNode: Node, node: YNode, depth: number, path: string[]): void => {
    if (path.includes(name)) {
      src.error(nameNode, `group ${name} contains itself (${[...path, name].join(' > ')})`);
      return;
    }
    let g = groups.get(name);
    if (!g) {
      g = { name, nameNode, depth, vars: new Map(), hosts: [], hostSet: new Set(), children: [] };
      groups.set(name, g);
    }
    g.depth = Math.min(g.depth, depth);
    const entries = src.optionalEntries(node, `group ${name}`, nameNode) ?? [];
    src.checkKeys(entries, GROUP_KEYS, `group ${name}`);
    for (const e of entries) {
      if (e.key === 'vars') for (const [k, v] of readVars(e.value, `group ${name}: vars`, e.keyNode)) g.vars.set(k, v);
      if (e.key === 'hosts') {
        for (const h of src.optionalEntries(e.value, `group ${name}: hosts`, e.keyNode) ?? []) {
          if (!hostNodes.has(h.key)) hostNodes.set(h.key, h.keyNode);
          if (!g.hostSet.has(h.key)) {
            g.hostSet.add(h.key);
            g.hosts.push(h.key);
          }
          const own = hostVars.get(h.key) ?? new Map<string, VarDef>();
          for (const [k, v] of readVars(h.value, `host ${h.key}`, h.keyNode)) own.set(k, v);
          hostVars.set(h.key, own);
        }
      }
      if (e.key === 'children') {
        for (const c of src.optionalEntries(e.value, `group ${name}: children`, e.keyNode) ?? []) {
          if (!g.children.includes(c.key)) g.children.push(c.key);
          walk(c.key, c.keyNode, c.value, depth + 1, [...path, name]);
        }
      }
    }
  };

  for (const e of top) walk(e.key, e.keyNode, e.value, e.key === 'all' ? 0 : 1, e.key === 'all' ? [] : ['all']);

  // Transitive membership: a parent group holds its children's hosts.
  const membersOf = (name: string, seen = new Set<string>()): string[] => {
    const g = groups.get(name);
    if (!g || seen.has(name)) return [];
    seen.add(name);
    return [...new Set([...g.hosts, ...g.children.flatMap((c) => membersOf(c, seen))])];
  };

  const all = groups.get('all');
  const globalVars = new Map(all?.vars ?? []);
  const ssh = takeSsh(src, globalVars, baseDir, 'all');
  const cluster = takeString(src, globalVars, 'lifeboat_cluster') ?? defaultCluster;
  const profile = takeString(src, globalVars, 'lifeboat_profile') ?? '389ds';
  const profileDef = all?.vars.get('lifeboat_profile');
  if (profileDef && !(PROFILES as readonly string[]).includes(profile)) src.error(profileDef.node, `lifeboat_profile must be one of ${PROFILES.join(', ')}, got "${profile}"`);
  const secrets: Record<string, SecretRef> = {};
  const secretsDef = globalVars.get('lifeboat_secrets');
  globalVars.delete('lifeboat_secrets');
  if (secretsDef) {
    for (const s of src.entries(secretsDef.node, 'lifeboat_secrets') ?? []) {
      const ref = readSecretRef(src, s.value, `secret ${s.key}`, baseDir);
      if (ref) secrets[s.key] = ref;
    }
  }

  const ordered = [...groups.values()].filter((g) => g.name !== 'all').sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
  const groupMembers = new Map(ordered.map((g) => [g.name, membersOf(g.name)]));
  const memberSets = new Map([...groupMembers].map(([g, m]) => [g, new Set(m)]));

  const hosts: DraftHost[] = [];
  for (const [name, nameNode] of hostNodes) {
    const merged = new Map<string, VarDef>();
    for (const g of ordered) if (memberSets.get(g.name)!.has(name)) for (const [k, v] of g.vars) merged.set(k, v);
    for (const [k, v] of hostVars.get(name) ?? []) merged.set(k, v);

    const hostSsh = takeSsh(src, merged, baseDir, `host ${name}`);
    const addressDef = merged.get('ansible_host');
    const address = takeString(src, merged, 'ansible_host') ?? name;
    const roles: DraftHost['roles'] = [];
    for (const g of ordered) {
      if ((KNOWN_ROLES as readonly string[]).includes(g.name) && memberSets.get(g.name)!.has(name)) roles.push({ role: g.name, node: g.nameNode });
    }
    const rolesDef = merged.get('lifeboat_roles');
    merged.delete('lifeboat_roles');
    if (rolesDef) {
      const list = src.stringList(rolesDef.node, `host ${name}: lifeboat_roles`) ?? [];
      const seq = src.resolve(rolesDef.node);
      const itemNodes = isSeq(seq) ? (seq.items as Node[]) : [];
      list.forEach((role, i) => roles.push({ role, node: itemNodes[i] ?? rolesDef.node }));
    }
    hosts.push({
      name,
      nameNode,
      address,
      addressNode: addressDef?.node ?? nameNode,
      roles,
      vars: Object.fromEntries([...merged].map(([k, v]) => [k, v.value])),
      ssh: hostSsh,
    });
  }

  const draftGroups: DraftGroup[] = ordered
    .filter((g) => g.name !== 'ungrouped')
    .map((g) => ({ name: g.name, nameNode: g.nameNode, members: groupMembers.get(g.name)!.map((m) => ({ name: m, node: g.nameNode })) }));
  // Keep groups in the order they were written, which is what people expect to read back.
  const written = [...groups.keys()];
  const position = new Map(written.map((n, i) => [n, i]));
  draftGroups.sort((a, b) => position.get(a.name)! - position.get(b.name)!);

  return {
    cluster,
    profile,
    vars: Object.fromEntries([...globalVars].map(([k, v]) => [k, v.value])),
    secrets,
    ssh,
    hosts,
    groups: draftGroups,
  };
}

function canonical(vars: Map<string, VarDef>): void {
  for (const [alias, name] of Object.entries(ALIASES)) {
    const v = vars.get(alias);
    if (v === undefined) continue;
    vars.delete(alias);
    if (!vars.has(name)) vars.set(name, v);
  }
}

function takeString(src: YamlSource, vars: Map<string, VarDef>, key: string): string | undefined {
  const def = vars.get(key);
  vars.delete(key);
  if (!def) return undefined;
  if (typeof def.value === 'string' && def.value !== '') return def.value;
  if (typeof def.value === 'number') return String(def.value);
  src.typeError(def.node, key, 'a non-empty string');
  return undefined;
}

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(yes|true|on|1)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(no|false|off|0)$/i.test(v)) return false;
  return undefined;
}

/** Removes Ansible connection variables from `vars` and returns the SSH settings they set. */
function takeSsh(src: YamlSource, vars: Map<string, VarDef>, baseDir: string, what: string): Partial<SshSettings> {
  canonical(vars);
  const out: Partial<SshSettings> = {};
  const user = takeString(src, vars, 'ansible_user');
  if (user !== undefined) out.user = user;
  const portDef = vars.get('ansible_port');
  vars.delete('ansible_port');
  if (portDef) {
    const port = Number(portDef.value);
    if (Number.isInteger(port) && port >= 1 && port <= 65535) out.port = port;
    else src.error(portDef.node, `${what}: ansible_port must be a port number (1-65535), got ${JSON.stringify(portDef.value)}`);
  }
  const keyDef = vars.get('ansible_ssh_private_key_file');
  const key = takeString(src, vars, 'ansible_ssh_private_key_file');
  if (key !== undefined) {
    out.identityFile = resolvePath(key, baseDir);
    rememberIdentityFileAt(out, src.loc(keyDef!.node));
  }
  const becomeDef = vars.get('ansible_become');
  vars.delete('ansible_become');
  if (becomeDef) {
    const b = asBool(becomeDef.value);
    if (b === undefined) src.typeError(becomeDef.node, `${what}: ansible_become`, 'true or false');
    else out.become = b;
  }
  const pw = vars.get('ansible_become_password');
  vars.delete('ansible_become_password');
  if (pw) {
    out.becomePassword = { value: String(pw.value) };
    src.warn(pw.node, `${what}: ansible_become_password is written in the inventory in clear text; prefer ssh.become_password with { env: NAME } in a Lifeboat inventory`);
  }
  return out;
}
