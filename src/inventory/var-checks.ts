import type { Node } from 'yaml';
import { BOUNDS } from '../source/bounds.ts';
import { didYouMean } from '../source/suggest.ts';
import type { YamlSource } from '../source/yaml-source.ts';

/** Vars the actions read as numbers, with their ranges: checked at load, not when a step runs. */
const NUMERIC_VARS: Record<string, { min: number; max: number; what: string }> = {
  replica_id: { ...BOUNDS.replicaId, what: 'a replica id' },
  ldap_port: { ...BOUNDS.port, what: 'a port' },
};

function wholeNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/** Reports numeric vars out of range (`replica_id: abc`, `ldap_port: 70000`) at `node`. */
export function checkNumericVars(src: YamlSource, vars: Record<string, unknown>, where: string, node: Node | null | undefined): void {
  for (const [key, rule] of Object.entries(NUMERIC_VARS)) {
    if (!(key in vars) || vars[key] === null) continue;
    const n = wholeNumber(vars[key]);
    if (n === undefined || n < rule.min || n > rule.max) {
      src.error(node, `${where}: ${key} must be ${rule.what}, a whole number from ${rule.min} to ${rule.max}, got ${JSON.stringify(vars[key])}`);
    }
  }
}

const ROLES = ['supplier', 'consumer', 'hub'];

/** Host var `replica_role`: one role, or a map of suffix -> role (what a rebuilt host was). */
export function checkRoleVar(src: YamlSource, vars: Record<string, unknown>, where: string, node: Node | null | undefined): void {
  const v = vars.replica_role;
  if (v === undefined || v === null) return;
  const values = typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>) : [['', v] as const];
  for (const [suffix, role] of values) {
    if (typeof role !== 'string' || !ROLES.includes(role.trim().toLowerCase())) {
      src.error(node, `${where}: replica_role${suffix ? ` (${suffix})` : ''} must be supplier, consumer or hub, got ${JSON.stringify(role)}${typeof role === 'string' ? didYouMean(role, ROLES) : ''}`);
    }
  }
}

const RDN = /^\s*[A-Za-z][A-Za-z0-9-]*=[^=]+$/;

/**
 * `suffixes` and `ca_suffix` must be DNs. The trap: in a YAML flow list the commas of an unquoted
 * DN separate items, so `[dc=ops,dc=example, o=extra]` is three "suffixes"; an rdn `dc=x` followed
 * by an item starting with `dc=` is that split (the restore would otherwise stop far later with a
 * puzzling "does not hold suffix dc=ops,dc=example").
 */
export function checkSuffixVars(src: YamlSource, vars: Record<string, unknown>, where: string, node: Node | null | undefined): void {
  const list = vars.suffixes;
  const items = Array.isArray(list) ? list.map(String) : typeof list === 'string' ? [list] : [];
  if (typeof vars.ca_suffix === 'string') items.push(vars.ca_suffix);
  for (const [i, dn] of items.entries()) {
    const next = Array.isArray(list) && i + 1 < list.length ? items[i + 1]! : undefined;
    if (/^\s*dc=[^,]+$/i.test(dn) && next !== undefined && /^\s*dc=/i.test(next)) {
      src.error(node, `${where}: suffixes: "${dn}" and "${next.trim()}" look like one DN split at its comma (in a YAML flow list [a, b] every comma separates items): quote each DN, e.g. "${dn.trim()},${next.trim()}"`);
      return;
    }
    if (!dn.split(/(?<!\\),/).every((p) => RDN.test(p))) src.error(node, `${where}: suffixes: "${dn}" is not a DN (attr=value parts such as dc=example,dc=com)`);
  }
}

/**
 * `vars.topology` (host -> the hosts it replicates to) is what provisioning builds agreements
 * from and what `order: topology` falls back on before discovery: every name must be a host.
 */
export function checkTopologyVar(src: YamlSource, vars: Record<string, unknown>, hostNames: string[], node: Node | null | undefined): void {
  for (const key of ['topology', 'ca_topology']) {
    const t = vars[key];
    if (t === undefined || t === null) continue;
    if (typeof t !== 'object' || Array.isArray(t)) {
      src.error(node, `vars.${key} must be a map of host -> list of peer hosts, got ${Array.isArray(t) ? 'a list' : JSON.stringify(t)}`);
      continue;
    }
    const known = new Set(hostNames);
    for (const [host, peers] of Object.entries(t as Record<string, unknown>)) {
      if (!known.has(host)) src.error(node, `vars.${key}: unknown host "${host}"${didYouMean(host, hostNames)}`);
      if (!Array.isArray(peers)) {
        src.error(node, `vars.${key}.${host} must be a list of peer hosts, got ${JSON.stringify(peers)}`);
        continue;
      }
      for (const p of peers) {
        if (typeof p !== 'string' || !known.has(p)) src.error(node, `vars.${key}.${host}: unknown peer ${JSON.stringify(p)}${typeof p === 'string' ? didYouMean(p, hostNames) : ''}`);
        else if (p === host) src.error(node, `vars.${key}.${host} lists itself as a peer`);
      }
    }
  }
}
