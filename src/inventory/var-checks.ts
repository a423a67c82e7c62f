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
