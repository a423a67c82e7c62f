import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, instanceName } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { addRecord, joinRecords } from '../replication/ldif-build.ts';
import { mappingTreeDn } from './remote-step.ts';
import { cachePeers, settingsFromPeers } from './peer-caches.ts';
import { backendDn, peerCachesCommand } from './cache-settings.ts';
import { resolveSuffixes } from '../replication/suffix-args.ts';

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

/** A new backend's own cache sizes, bytes; none set: the server's defaults (its autosizing). */
export interface BackendCaches {
  entryCache?: string;
  dnCache?: string;
}

export function suffixLdif(suffix: string, backend: string, caches: BackendCaches): string {
  return joinRecords([
    addRecord(backendDn(backend), {
      objectClass: ['top', 'extensibleObject', 'nsBackendInstance'],
      cn: [backend],
      'nsslapd-suffix': [suffix],
      ...(caches.entryCache ? { 'nsslapd-cachememsize': [caches.entryCache] } : {}),
      ...(caches.dnCache ? { 'nsslapd-dncachememsize': [caches.dnCache] } : {}),
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

/**
 * The new backend's caches: the size given, else those of the same suffix's backend on a peer
 * whose caches are fixed (a peer that autosizes: the server sizes this one too), else the server's.
 */
async function backendCaches(ctx: ActionContext, suffix: string): Promise<{ caches: BackendCaches; said: string }> {
  if (ctx.args.entry_cache_mb !== undefined) return { caches: { entryCache: String(Number(ctx.args.entry_cache_mb) * MB) }, said: `entry cache ${Number(ctx.args.entry_cache_mb)} MiB` };
  const peer = await settingsFromPeers(ctx, suffix);
  if (typeof peer === 'string') return { caches: {}, said: `caches left to the server: ${peer}` };
  if (peer.autosize !== '0') return { caches: {}, said: `caches autosized like ${peer.source}` };
  return { caches: { entryCache: peer.entryCache, dnCache: peer.dnCache }, said: `entry cache ${Math.round(Number(peer.entryCache) / MB)} MiB like ${peer.source}` };
}

/** `all`: every suffix the host holds (a rebuilt host needs each one its lost instance had); else the one suffix. */
function suffixesOf(ctx: ActionContext): string[] {
  return ctx.args.suffix === 'all' ? resolveSuffixes(ctx.inventory, ctx.host, 'all', ctx.vars) : [suffixOf(ctx)];
}

export const suffixCreate: Action = {
  name: 'suffix.create',
  description: 'Create a backend, mapping tree and root entry for a suffix (default: the inventory ca_suffix; `all`: every suffix the host holds that does not exist yet)',
  args: {
    suffix: { type: 'string', description: 'Suffix to create; default: inventory var ca_suffix; `all`: every suffix the host holds (main ones, o=ipaca on CA hosts)' },
    backend: { type: 'string', description: 'Backend name (one suffix only); default: from the suffix (o=ipaca -> ipaca)' },
    entry_cache_mb: { type: 'number', description: "Entry cache of the new backend, MiB (default: like the same suffix's backend on a topology peer)" },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = suffixesOf(ctx);
    // The backend's cache sizes, when not given, come from the same suffix's backend on a peer.
    const peerReads = ctx.args.entry_cache_mb !== undefined
      ? []
      : suffixes.flatMap((suffix) => {
          const peer = cachePeers(ctx, suffix)[0];
          return peer ? [{ host: peer.name, command: peerCachesCommand(instanceName(ctx.inventory, peer), suffix), note: `on ${peer.name}: the cache sizes of its ${suffix} backend, which ${ctx.host.name}'s new one copies when they are fixed` }] : [];
        });
    return [
      ...suffixes.map((suffix) => ({ host: ctx.host.name, command: searchCommand(inst, mappingTreeDn(suffix), 'base', '(objectClass=*)', ['cn']), note: 'skip when the suffix exists' })),
      ...peerReads,
      { host: ctx.host.name, command: modifyCommand(inst), stdin: ctx.args.suffix === 'all' ? `LDIF: add backend, mapping tree and root entry of every suffix of ${suffixes.join('; ')} that does not exist` : `LDIF: add backend, mapping tree and root entry of ${suffixes[0]}` },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    const suffixes = suffixesOf(ctx);
    const found = await Promise.all(suffixes.map(async (s) => (await ldapSearch(remote, inst, mappingTreeDn(s), 'base', '(objectClass=*)', ['cn'], { signal: ctx.signal })).length > 0));
    const missing = suffixes.filter((_, i) => !found[i]);
    const existing = suffixes.filter((_, i) => found[i]);
    const single = suffixes.length === 1 && ctx.args.suffix !== 'all';
    const backendOf = (s: string) => (single && (ctx.args.backend as string | undefined)) || backendFor(s);
    const caches = await Promise.all(missing.map((s) => backendCaches(ctx, s)));
    if (missing.length) await ldapModify(remote, inst, joinRecords(missing.map((s, i) => suffixLdif(s, backendOf(s), caches[i]!.caches))), { signal: ctx.signal });
    const made = missing.map((s, i) => `${s} (backend ${backendOf(s)}, ${caches[i]!.said})`);
    const summary = [made.length ? `created ${made.join(', ')}` : '', existing.length ? `${existing.join(', ')} exists` : ''].filter(Boolean).join('; ');
    return { changed: missing.length > 0, summary };
  },
};
