import { instanceName, mainSuffixes } from '../../389ds/actions/host-vars.ts';
import { ldapSearch, searchCommand } from '../../389ds/actions/ldap.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import type { Inventory } from '../../../inventory/types.ts';
import type { RemoteHost } from '../../../transport/types.ts';
import { fqdnOf } from '../host-facts.ts';
import { MASTER_ATTRS, mastersBase, parseMasters, parseSegments, SEGMENT_ATTRS, SEGMENT_FILTER, topologyBase, type IdmServer, type Segment } from '../idm-records.ts';

export function basednOf(ctx: ActionContext): string {
  const b = mainSuffixes(ctx.inventory, ctx.host)[0];
  if (!b) throw new ActionError('profile ipa: the inventory has no suffixes (the IdM domain suffix, e.g. dc=example,dc=com)');
  return b;
}

export async function readIdm(ctx: ActionContext, remote: RemoteHost): Promise<{ servers: IdmServer[]; segments: Segment[] }> {
  const inst = instanceName(ctx.inventory, ctx.host);
  const basedn = basednOf(ctx);
  const masters = await ldapSearch(remote, inst, mastersBase(basedn), 'sub', '(objectClass=*)', MASTER_ATTRS, { signal: ctx.signal });
  if (masters.length === 0) throw new ActionError(`${ctx.host.name}: no ${mastersBase(basedn)} in its directory: not an IdM server (or the wrong suffix in the inventory)`);
  const segs = await ldapSearch(remote, inst, topologyBase(basedn), 'sub', SEGMENT_FILTER, SEGMENT_ATTRS, { signal: ctx.signal });
  return { servers: parseMasters(masters, basedn), segments: parseSegments(segs) };
}

/** Inventory host name per IdM FQDN (hosts whose FQDN cannot be told are left out). */
export function inventoryByFqdn(inv: Inventory): Map<string, string> {
  const m = new Map<string, string>();
  for (const h of inv.hosts) {
    try {
      m.set(fqdnOf(inv, h).toLowerCase(), h.name);
    } catch {
      // reported by the comparison as "not in the inventory"
    }
  }
  return m;
}

const COMPARED = ['ca', 'kra', 'dns', 'renewal'];

/** Where the inventory and IdM disagree: servers missing on either side, roles that differ. */
export function compareWithInventory(inv: Inventory, servers: IdmServer[]): string[] {
  const byFqdn = inventoryByFqdn(inv);
  const out: string[] = [];
  for (const s of servers) {
    const name = byFqdn.get(s.fqdn);
    if (!name) {
      out.push(`IdM server ${s.fqdn} is not in the inventory (roles ${s.roles.join(', ') || 'none'})`);
      continue;
    }
    const host = inv.hosts.find((h) => h.name === name)!;
    for (const r of COMPARED) {
      const idm = s.roles.includes(r);
      if (idm !== host.roles.includes(r)) out.push(`${name} (${s.fqdn}): IdM says ${idm ? '' : 'no '}${r}, the inventory says ${idm ? 'no ' : ''}${r}`);
    }
  }
  const known = new Set(servers.map((s) => s.fqdn));
  for (const [fqdn, name] of byFqdn) if (!known.has(fqdn)) out.push(`${name} (${fqdn}) is not an IdM server according to IdM`);
  return out;
}

export const ipaServersDiscover: Action = {
  name: 'ipa.servers.discover',
  readOnly: true,
  description:
    "Read IdM's own records of its servers over LDAPI (cn=masters: CA, KRA, DNS, hidden, CA renewal master — what ipa server-role-find shows; cn=topology: the domain and ca segments — what ipa topologysegment-find shows) and compare them with the inventory; `strict` refuses on any difference",
  args: {
    strict: { type: 'boolean', default: true, description: 'fail when IdM and the inventory disagree (roles, servers); false only warns' },
  },
  plan(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const basedn = basednOf(ctx);
    return [
      { host: ctx.host.name, command: searchCommand(inst, mastersBase(basedn), 'sub', '(objectClass=*)', MASTER_ATTRS), note: 'servers and their roles (read only)' },
      { host: ctx.host.name, command: searchCommand(inst, topologyBase(basedn), 'sub', SEGMENT_FILTER, SEGMENT_ATTRS), note: 'topology segments (read only)' },
    ];
  },
  async run(ctx) {
    const { servers, segments } = await readIdm(ctx, await ctx.connect());
    const diffs = compareWithInventory(ctx.inventory, servers);
    const strict = !(ctx.args.strict === false || ctx.args.strict === 'false');
    if (diffs.length && strict) throw new ActionError(`IdM and the inventory disagree; fix the inventory (or strict: false):\n  - ${diffs.join('\n  - ')}`);
    for (const d of diffs) ctx.emit({ kind: 'warning', message: d });
    const byFqdn = inventoryByFqdn(ctx.inventory);
    const renewal = servers.find((s) => s.roles.includes('renewal'));
    return {
      changed: false,
      summary: `${servers.length} IdM servers; CA: ${servers.filter((s) => s.roles.includes('ca')).map((s) => s.fqdn).join(', ') || 'none'}; renewal master: ${renewal?.fqdn ?? 'none'}; ${segments.filter((s) => s.suffix === 'domain').length} domain + ${segments.filter((s) => s.suffix === 'ca').length} ca segments`,
      output: { servers, segments },
      facts: { ipa_servers: servers, ipa_segments: segments, ca_renewal_master: renewal ? (byFqdn.get(renewal.fqdn) ?? renewal.fqdn) : null },
    };
  },
};
