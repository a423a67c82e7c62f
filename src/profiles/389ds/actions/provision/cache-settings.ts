import type { RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { attr, ldapSearch, searchCommand, shq } from '../ldap.ts';
import { sameDn } from '../replication/agreements.ts';

/**
 * The cache settings a new instance gets before its first start: a rebuilt replica sized like the
 * replicas it joins (their autosizing, or their fixed sizes), or the sizes the step was given.
 * Set offline in dse.ldif, so the new server starts once with them instead of starting with
 * 389-ds's autotuning (GBs per instance) and restarting.
 */

const LDBM = 'cn=ldbm database,cn=plugins,cn=config';
export const BDB_CONFIG = `cn=bdb,cn=config,${LDBM}`;

/** The config entry of a backend (`userroot`, `ipaca`, ...). */
export function backendDn(backend: string): string {
  return `cn=${backend},${LDBM}`;
}
const MB = 1024 * 1024;

export interface CacheSettings {
  /** nsslapd-cache-autosize: % of the memory for the caches; 0 = the fixed sizes below. */
  autosize: string;
  autosizeSplit?: string;
  /** nsslapd-dbcachesize, bytes (fixed sizes only). */
  dbCache?: string;
  /** The main backend's nsslapd-cachememsize and nsslapd-dncachememsize, bytes. */
  entryCache?: string;
  dnCache?: string;
  /** Where they come from: a peer's name, or "the step's arguments". */
  source: string;
}

const ATTRS = ['nsslapd-cache-autosize', 'nsslapd-cache-autosize-split', 'nsslapd-dbcachesize', 'nsslapd-cachememsize', 'nsslapd-dncachememsize', 'nsslapd-suffix'];

/** The search that reads a peer's database and main-backend cache settings. */
export function peerCachesFilter(suffix: string): string {
  // A DN holds none of the filter's special characters in practice; escape them anyway.
  const value = suffix.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `(|(cn=bdb)(nsslapd-suffix=${value}))`;
}

export function peerCachesCommand(instance: string, suffix: string): string {
  return searchCommand(instance, LDBM, 'sub', peerCachesFilter(suffix), ATTRS);
}

const number = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? v : undefined);

/**
 * A peer's settings, or a reason they cannot be copied (a peer on another database kind, LMDB,
 * has no cn=bdb entry; a suffix it does not hold).
 */
export async function readPeerCaches(peer: RemoteHost, instance: string, suffix: string, signal?: AbortSignal): Promise<CacheSettings | string> {
  const entries = await ldapSearch(peer, instance, LDBM, 'sub', peerCachesFilter(suffix), ATTRS, { signal });
  const bdb = entries.find((e) => sameDn(e.dn, BDB_CONFIG));
  const backend = entries.find((e) => sameDn(attr(e, 'nsslapd-suffix') ?? '', suffix));
  if (!bdb) return `${peer.name} has no ${BDB_CONFIG} entry (another database kind)`;
  if (!backend) return `${peer.name} has no backend for ${suffix}`;
  const autosize = number(attr(bdb, 'nsslapd-cache-autosize'));
  if (autosize === undefined) return `${peer.name}'s nsslapd-cache-autosize is unreadable`;
  const fixed = autosize === '0';
  const settings: CacheSettings = {
    autosize,
    autosizeSplit: number(attr(bdb, 'nsslapd-cache-autosize-split')),
    dbCache: fixed ? number(attr(bdb, 'nsslapd-dbcachesize')) : undefined,
    entryCache: fixed ? number(attr(backend, 'nsslapd-cachememsize')) : undefined,
    dnCache: fixed ? number(attr(backend, 'nsslapd-dncachememsize')) : undefined,
    source: peer.name,
  };
  if (fixed && (!settings.dbCache || !settings.entryCache)) return `${peer.name}'s fixed cache sizes are unreadable`;
  return settings;
}

/** The new server's values of what was written, read back: each must be what dse.ldif was given. */
export async function checkCachesApplied(remote: RemoteHost, instance: string, suffix: string, changes: Record<string, Record<string, string>>, signal?: AbortSignal): Promise<void> {
  const entries = await ldapSearch(remote, instance, LDBM, 'sub', peerCachesFilter(suffix), Object.values(changes).flatMap((a) => Object.keys(a)), { signal });
  const wrong = Object.entries(changes).flatMap(([dn, attrs]) => {
    const e = entries.find((x) => sameDn(x.dn, dn));
    return Object.entries(attrs).flatMap(([a, v]) => (attr(e, a) === v ? [] : [`${a} is ${attr(e, a) ?? 'absent'}, not ${v}`]));
  });
  if (wrong.length) throw new ActionError(`${remote.name}: slapd-${instance} started without the cache settings written to its dse.ldif: ${wrong.join(', ')}`);
}

export function fixedCaches(dbCacheMb: number, entryCacheMb: number): CacheSettings {
  return { autosize: '0', dbCache: String(dbCacheMb * MB), entryCache: String(entryCacheMb * MB), source: "the step's arguments" };
}

/** Attribute → value per entry, only what the settings fix. */
export function cacheChanges(s: CacheSettings, backendDn: string): Record<string, Record<string, string>> {
  const bdb: Record<string, string> = { 'nsslapd-cache-autosize': s.autosize };
  if (s.autosizeSplit) bdb['nsslapd-cache-autosize-split'] = s.autosizeSplit;
  if (s.dbCache) bdb['nsslapd-dbcachesize'] = s.dbCache;
  const backend: Record<string, string> = {};
  if (s.entryCache) backend['nsslapd-cachememsize'] = s.entryCache;
  if (s.dnCache) backend['nsslapd-dncachememsize'] = s.dnCache;
  return Object.fromEntries(Object.entries({ [BDB_CONFIG]: bdb, [backendDn]: backend }).filter(([, v]) => Object.keys(v).length));
}

const sedEscape = (s: string) => s.replace(/[\\/.*[\]^$]/g, (c) => `\\${c}`);

/**
 * Rewrites the values in the stopped server's dse.ldif, each within its own entry (from its `dn:`
 * line to the blank line that ends it). dscreate writes every one of these attributes; the values
 * read back over LDAP after the start prove each took.
 */
export function cacheEditCommand(instance: string, changes: Record<string, Record<string, string>>): string {
  const scripts = Object.entries(changes).map(([dn, attrs]) => {
    const subs = Object.entries(attrs).map(([a, v]) => `s/^${sedEscape(a)}: .*/${a}: ${v}/I`);
    return `-e ${shq(`/^dn: ${sedEscape(dn)}$/I,/^$/{${subs.join(';')}}`)}`;
  });
  return `sed -i ${scripts.join(' ')} ${shq(`/etc/dirsrv/slapd-${instance}/dse.ldif`)}`;
}

export function describeCaches(s: CacheSettings): string {
  const mb = (b?: string) => (b ? `${Math.round(Number(b) / MB)} MiB` : '?');
  return s.autosize === '0'
    ? `db cache ${mb(s.dbCache)}, entry cache ${mb(s.entryCache)}${s.dnCache ? `, dn cache ${mb(s.dnCache)}` : ''}, from ${s.source}`
    : `autosized at ${s.autosize}%${s.autosizeSplit ? ` (split ${s.autosizeSplit}%)` : ''}, like ${s.source}`;
}
