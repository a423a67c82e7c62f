import type { Inventory } from '../inventory/types.ts';
import { articulationPoints, components, undirected } from './graph.ts';

/** Readiness (seed 002 made executable): each item pass / warn / fail / skip, with why. */

export type ItemStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DrItem {
  id: string;
  title: string;
  status: ItemStatus;
  why: string;
}

export interface DrAgreement {
  host: string;
  peer?: string;
  peerAddress: string;
  suffix: string;
  enabled: boolean;
  /** The agreement's nsds5replicaLastUpdateStatus and its code (`Error (19) …` = 19), when it has run. */
  lastUpdateStatus?: string;
  updateCode?: number;
}

export interface DrBackup {
  name: string;
  time: Date;
  host?: string;
  encrypted?: boolean;
  /** True when the payload's sha256 matches its header; a reason when not. */
  checksum: true | string;
  /** The suffixes it holds (389ds headers), to compare with what the servers replicate. */
  suffixes?: string[];
}

export interface DrFacts {
  inventory: Pick<Inventory, 'profile' | 'hosts' | 'groups'>;
  /** Per host: undefined = connected with its key verified; else why not. */
  connectErrors: Record<string, { message: string; hostKey: boolean } | undefined>;
  agreements: DrAgreement[];
  backups: DrBackup[];
  maxBackupAgeMs: number;
  now: Date;
  /** Items only the cluster's profile knows how to score (keytrustee: the pair in sync). */
  profileItems?: DrItem[];
  /** Hosts holding read-only replicas (consumers, hubs): host -> those suffixes. */
  readOnly?: Record<string, string[]>;
  /** The newest rehearsal that passed, if any. */
  rehearsal?: { scenario: string; finished: string; recoveryMs?: number };
}

const MIN_AGREEMENTS = 2;
const MAX_AGREEMENTS = 4;
const MIN_CA_HOSTS = 3;

const list = (xs: string[]) => xs.join(', ');
const ago = (ms: number) => (ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 86_400_000)} days`);

export function hostKeyItem(f: DrFacts): DrItem {
  const refused = Object.entries(f.connectErrors).filter(([, e]) => e?.hostKey).map(([h, e]) => `${h} (${e!.message})`);
  const down = Object.entries(f.connectErrors).filter(([, e]) => e && !e.hostKey).map(([h, e]) => `${h} (${e!.message})`);
  if (refused.length) return { id: 'host-keys', title: 'Host keys known', status: 'fail', why: `host key not verified for ${list(refused)}` };
  if (down.length) return { id: 'host-keys', title: 'Host keys known', status: 'warn', why: `cannot reach ${list(down)}; their keys were not checked` };
  return { id: 'host-keys', title: 'Host keys known', status: 'pass', why: `all ${f.inventory.hosts.length} hosts connected with verified host keys` };
}

export function agreementCountItem(f: DrFacts): DrItem {
  const id = 'agreements-per-replica';
  const title = `Every replica has ${MIN_AGREEMENTS}–${MAX_AGREEMENTS} agreements`;
  if (f.inventory.profile === 'keytrustee') return { id, title, status: 'skip', why: 'keytrustee has no replication agreements' };
  const reachable = f.inventory.hosts.map((h) => h.name).filter((h) => !f.connectErrors[h]);
  const bad: string[] = [];
  const counts = new Map<string, string[]>();
  for (const host of reachable) {
    for (const suffix of new Set(f.agreements.filter((a) => a.host === host).map((a) => a.suffix))) {
      const n = new Set(f.agreements.filter((a) => a.host === host && a.suffix === suffix).map((a) => a.peer ?? a.peerAddress)).size;
      counts.set(suffix, [...(counts.get(suffix) ?? []), `${host} ${n}`]);
      if (n > MAX_AGREEMENTS || (n < MIN_AGREEMENTS && reachable.length > 2)) bad.push(`${host} has ${n} on ${suffix}`);
    }
    if (!f.agreements.some((a) => a.host === host)) {
      // A consumer sends nothing by design: what matters is that more than one supplier feeds it.
      const feeds = new Set(f.agreements.filter((a) => a.peer === host).map((a) => a.host)).size;
      if (!f.readOnly?.[host]?.length) bad.push(`${host} has none`);
      else if (feeds < MIN_AGREEMENTS && reachable.length > 2) bad.push(`${host} (read-only) is fed by ${feeds} supplier only`);
      else counts.set('read-only', [...(counts.get('read-only') ?? []), `${host} (read-only) fed by ${feeds}`]);
    }
  }
  if (bad.length) return { id, title, status: 'fail', why: list(bad) };
  return { id, title, status: 'pass', why: [...counts].map(([suffix, c]) => `${suffix}: ${list(c)}`).join('; ') };
}

export function caHostsItem(f: DrFacts): DrItem {
  const id = 'ca-hosts';
  const title = `CA role on at least ${MIN_CA_HOSTS} hosts`;
  const ca = f.inventory.hosts.filter((h) => h.roles.includes('ca')).map((h) => h.name);
  if (f.inventory.profile !== 'ipa' && ca.length === 0) return { id, title, status: 'skip', why: `no host has the ca role (profile ${f.inventory.profile})` };
  if (ca.length < MIN_CA_HOSTS) return { id, title, status: 'fail', why: `only ${ca.length} CA host${ca.length === 1 ? '' : 's'}${ca.length ? ` (${list(ca)})` : ''}: losing ${ca.length === 1 ? 'it' : 'them'} loses the CA` };
  const dcs = Object.entries(f.inventory.groups).filter(([g]) => /^(dc|site|datacenter|data-centre)/i.test(g));
  const thin = dcs.filter(([, members]) => members.filter((m) => ca.includes(m)).length < 2).map(([g, members]) => `${g} has ${members.filter((m) => ca.includes(m)).length}`);
  if (thin.length) return { id, title, status: 'warn', why: `${ca.length} CA hosts (${list(ca)}), but fewer than two per data centre: ${list(thin)}` };
  return { id, title, status: 'pass', why: `${ca.length} CA hosts: ${list(ca)}` };
}

export function graphItems(f: DrFacts): DrItem[] {
  const connected = { id: 'graph-connected', title: 'Replication graph connected' };
  const cut = { id: 'no-articulation-point', title: 'No single replica whose loss splits the graph' };
  if (f.inventory.profile === 'keytrustee') return [{ ...connected, status: 'skip', why: 'keytrustee has no replication graph' }, { ...cut, status: 'skip', why: 'keytrustee has no replication graph' }];
  const hosts = f.inventory.hosts.map((h) => h.name);
  const linked = f.agreements.filter((a) => a.peer);
  const unread = hosts.filter((h) => f.connectErrors[h]);
  const partial = unread.length ? ` (agreements of ${list(unread)} not read)` : '';
  // Each suffix replicates only along its own agreements: two data centres joined by one domain
  // agreement and by o=ipaca agreements look whole when all suffixes are merged into one graph, yet
  // losing the domain bridge splits the domain (seen on an 8-host two-dc lab: dr check named ds5, not ds1).
  const suffixes = [...new Set(linked.map((a) => a.suffix))].sort();
  const named = suffixes.length > 1;
  const splits: string[] = [];
  const cutsBySuffix: string[] = [];
  const whole = components(undirected(hosts, linked.map((a) => ({ from: a.host, to: a.peer! }))));
  if (whole.length > 1) splits.push(`${whole.length} separate parts: ${whole.map((p) => `{${list(p)}}`).join(' ')}`);
  for (const suffix of suffixes) {
    const g = undirected([], linked.filter((a) => a.suffix === suffix).map((a) => ({ from: a.host, to: a.peer! })));
    const parts = components(g);
    if (parts.length > 1 && whole.length === 1) splits.push(`${suffix}: ${parts.length} separate parts: ${parts.map((p) => `{${list(p)}}`).join(' ')}`);
    const cuts = articulationPoints(g);
    if (cuts.length) cutsBySuffix.push(named ? `losing ${list(cuts)} would split ${suffix}` : `losing ${list(cuts)} would split the graph`);
  }
  return [
    splits.length ? { ...connected, status: 'fail', why: splits.join('; ') + partial } : { ...connected, status: 'pass', why: `${hosts.length} hosts in one graph${named ? ', each suffix connected' : ''}${partial}` },
    cutsBySuffix.length ? { ...cut, status: 'fail', why: cutsBySuffix.join('; ') } : { ...cut, status: 'pass', why: 'every host can be lost without splitting the rest' },
  ];
}

export function hiddenReplicaItem(f: DrFacts): DrItem {
  const id = 'hidden-replica';
  const title = 'A hidden replica holds every role in use';
  if (f.inventory.profile === 'keytrustee') return { id, title, status: 'skip', why: 'keytrustee has an active/passive pair, no hidden replica' };
  const hidden = f.inventory.hosts.filter((h) => h.roles.includes('hidden'));
  // renewal is a single-owner duty (moved, not duplicated), so a hidden copy cannot hold it.
  const inUse = [...new Set(f.inventory.hosts.flatMap((h) => h.roles))].filter((r) => r !== 'hidden' && r !== 'renewal').sort();
  if (hidden.length === 0) return { id, title, status: 'fail', why: `no host has the hidden role; roles in use: ${list(inUse) || 'none'}` };
  const best = hidden.map((h) => ({ name: h.name, missing: inUse.filter((r) => !h.roles.includes(r)) })).sort((a, b) => a.missing.length - b.missing.length)[0]!;
  if (best.missing.length) return { id, title, status: 'fail', why: `hidden ${best.name} lacks ${list(best.missing)}` };
  return { id, title, status: 'pass', why: `hidden ${best.name} holds ${list(inUse) || 'every role (none in use)'}` };
}

/** Suffixes some agreement replicates that the backup does not hold: `o=extra (replicated by ds2, ds3)`. */
function suffixesNotIn(b: DrBackup, agreements: DrAgreement[]): string[] {
  if (!b.suffixes) return [];
  const key = (dn: string) => dn.replace(/\s*,\s*/g, ',').toLowerCase();
  const held = new Set(b.suffixes.map(key));
  const by = new Map<string, { dn: string; hosts: Set<string> }>();
  for (const a of agreements) {
    if (held.has(key(a.suffix))) continue;
    const e = by.get(key(a.suffix)) ?? by.set(key(a.suffix), { dn: a.suffix, hosts: new Set() }).get(key(a.suffix))!;
    e.hosts.add(a.host);
  }
  return [...by.values()].map((e) => `${e.dn} (replicated by ${list([...e.hosts].sort())})`);
}

export function backupItem(f: DrFacts): DrItem {
  const id = 'backup';
  const title = `Newest good backup younger than ${ago(f.maxBackupAgeMs)}, encrypted, checksum verified`;
  const good = f.backups.filter((b) => b.checksum === true).sort((a, b) => b.time.getTime() - a.time.getTime());
  const broken = f.backups.filter((b) => b.checksum !== true).map((b) => `${b.name}: ${b.checksum}`);
  const brokenNote = broken.length ? `; ${broken.length} failed verification (${list(broken.slice(0, 3))})` : '';
  const newest = good[0];
  if (!newest) return { id, title, status: 'fail', why: f.backups.length ? `no backup verifies${brokenNote}` : 'no backup of this cluster found' };
  const age = f.now.getTime() - newest.time.getTime();
  const what = `${newest.name}${newest.host ? ` of ${newest.host}` : ''}, ${ago(age)} old, checksum verified`;
  if (age > f.maxBackupAgeMs) return { id, title, status: 'fail', why: `newest good backup ${what}: older than ${ago(f.maxBackupAgeMs)}${brokenNote}` };
  const lacking = suffixesNotIn(newest, f.agreements);
  if (lacking.length) return { id, title, status: 'fail', why: `newest good backup ${what}, lacks ${lacking.join('; ')}: a restore from it cannot bring that suffix back; back up a host that holds every suffix${brokenNote}` };
  if (!newest.encrypted) return { id, title, status: 'warn', why: `${what}, but NOT encrypted${brokenNote}` };
  return { id, title, status: broken.length ? 'warn' : 'pass', why: `${what}, encrypted${brokenNote}` };
}

export function rehearsalItem(f: DrFacts): DrItem {
  const id = 'rehearsal';
  const title = 'A rehearsal passed';
  if (!f.rehearsal) return { id, title, status: 'warn', why: 'no passed rehearsal found: run `lifeboat rehearse` to learn the recovery time' };
  const r = f.rehearsal;
  return { id, title, status: 'pass', why: `${r.scenario} passed, finished ${r.finished}${r.recoveryMs !== undefined ? `; recovery took ${(r.recoveryMs / 1000).toFixed(0)} s` : ''}` };
}

/**
 * The graph items say how the agreements are laid out, not whether they work: a host powered back
 * on with its old disk after a fenced restore has every agreement refused ("different database
 * generation ID") while the layout is perfect. Code 1 (busy) is a retry, not a failure.
 */
export function replicationHealthItem(f: DrFacts): DrItem {
  const id = 'replication-healthy';
  const title = 'Replication healthy (no agreement\'s last session failed)';
  if (f.inventory.profile === 'keytrustee') return { id, title, status: 'skip', why: 'keytrustee has no replication agreements' };
  if (f.agreements.length === 0) return { id, title, status: 'skip', why: 'no agreement could be read' };
  const name = (a: DrAgreement) => `${a.host} -> ${a.peer ?? a.peerAddress} (${a.suffix})`;
  const enabled = f.agreements.filter((a) => a.enabled);
  const failing = enabled.filter((a) => a.updateCode !== undefined && a.updateCode !== 0 && a.updateCode !== 1);
  if (failing.length) {
    const stale = [...new Set(failing.filter((a) => /generation ID/i.test(a.lastUpdateStatus ?? '')).map((a) => a.host))];
    // One line per distinct status: a refused host repeats the same one on every agreement.
    const byStatus = new Map<string, string[]>();
    for (const a of failing) byStatus.set(a.lastUpdateStatus ?? '', [...(byStatus.get(a.lastUpdateStatus ?? '') ?? []), name(a)]);
    const shown = [...byStatus].map(([status, names]) => `${list(names)}: ${status}`).join('; ');
    const advice = stale.map((h) => `; ${h} still holds data from before a restore: rejoin it (lifeboat run rejoin -e target=${h}) before it serves`).join('');
    return { id, title, status: 'fail', why: `${failing.length} agreement(s) failing: ${shown}${advice}` };
  }
  const off = f.agreements.filter((a) => !a.enabled);
  if (off.length) return { id, title, status: 'warn', why: `disabled: ${list(off.map(name))}` };
  return { id, title, status: 'pass', why: `${enabled.length} agreement(s) enabled, none failing` };
}

export function scoreReadiness(f: DrFacts): DrItem[] {
  return [hostKeyItem(f), agreementCountItem(f), caHostsItem(f), ...graphItems(f), replicationHealthItem(f), hiddenReplicaItem(f), ...(f.profileItems ?? []), backupItem(f), rehearsalItem(f)];
}
