import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, instanceName } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { addRecord, joinRecords } from '../replication/ldif-build.ts';
import { mappingTreeDn } from './remote-step.ts';

/**
 * Adds a second suffix to the instance (IdM keeps CA data in `o=ipaca`): a backend, its mapping
 * tree entry and the root entry, all in one ldapmodify over LDAPI.
 */

const MB = 1024 * 1024;

function suffixOf(ctx: ActionContext): string {
  const s = (ctx.args.suffix as string | undefined) || caSuffix(ctx.inventory, ctx.host);
  if (!s) throw new ActionError(`${ctx.host.name}: suffix.create needs a suffix (argument or inventory ca_suffix)`);
  return s;
}

export function backendFor(suffix: string): string {
  return suffix.split(',')[0]!.split('=')[1]!.replace(/[^a-zA-Z0-9]/g, '').toLowerCase() || 'backend2';
}

/** The root entry of a suffix such as `o=ipaca`, `ou=x,dc=y` or `dc=example,dc=com`. */
export function rootEntryAttrs(suffix: string): Record<string, string[]> {
  const [type, value] = suffix.split(',')[0]!.split('=') as [string, string];
  const t = type.trim().toLowerCase();
  const oc: Record<string, string> = { o: 'organization', ou: 'organizationalUnit', dc: 'domain', cn: 'nsContainer' };
  if (!oc[t]) throw new ActionError(`suffix.create: cannot make a root entry for ${suffix} (use o=, ou=, dc= or cn=)`);
  return { objectClass: ['top', oc[t]!], [t]: [value.trim()] };
}

export function suffixLdif(suffix: string, backend: string, entryCacheMb: number): string {
  return joinRecords([
    addRecord(`cn=${backend},cn=ldbm database,cn=plugins,cn=config`, {
      objectClass: ['top', 'extensibleObject', 'nsBackendInstance'],
      cn: [backend],
      'nsslapd-suffix': [suffix],
      'nsslapd-cachememsize': [String(entryCacheMb * MB)],
    }),
    addRecord(mappingTreeDn(suffix), {
      objectClass: ['top', 'extensibleObject', 'nsMappingTree'],
      cn: [suffix],
      'nsslapd-state': ['backend'],
      'nsslapd-backend': [backend],
    }),
    addRecord(suffix, rootEntryAttrs(suffix)),
  ]);
}

export const suffixCreate: Action = {
  name: 'suffix.create',
  description: 'Create a backend, mapping tree and root entry for a suffix (default: the inventory ca_suffix)',
  args: {
    suffix: { type: 'string', description: 'Suffix to create; default: inventory var ca_suffix' },
    backend: { type: 'string', description: 'Backend name; default: from the suffix (o=ipaca -> ipaca)' },
    entry_cache_mb: { type: 'number', default: 16, description: 'Entry cache of the new backend, MiB' },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffix = suffixOf(ctx);
    return [
      { host: ctx.host.name, command: searchCommand(inst, mappingTreeDn(suffix), 'base', '(objectClass=*)', ['cn']), note: 'skip when the suffix exists' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: add backend, mapping tree and root entry of ${suffix}` },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffix = suffixOf(ctx);
    const remote = await ctx.connect();
    const found = await ldapSearch(remote, inst, mappingTreeDn(suffix), 'base', '(objectClass=*)', ['cn'], { signal: ctx.signal });
    if (found.length > 0) return { changed: false, summary: `${suffix} exists` };
    const backend = (ctx.args.backend as string | undefined) || backendFor(suffix);
    await ldapModify(remote, inst, suffixLdif(suffix, backend, Number(ctx.args.entry_cache_mb ?? 16)), { signal: ctx.signal });
    return { changed: true, summary: `created ${suffix} (backend ${backend})` };
  },
};
