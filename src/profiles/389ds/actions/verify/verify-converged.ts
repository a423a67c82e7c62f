import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InventoryHost } from '../../../../inventory/types.ts';
import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { isHealthyUpdateStatus, listAgreements, listAgreementsCommand, statusCode, type Agreement } from '../replication/agreements.ts';
import { addRecord, deleteRecord, joinRecords } from '../replication/ldif-build.ts';
import { pokeLdif } from '../replication/replication-poke.ts';
import { modifyEach } from '../replication/switch-each.ts';
import { resolveSuffixes, SUFFIXES_ARG } from '../replication/suffix-args.ts';
import { readRuv, ruvCommand, ruvCovers, type Ruv } from './ruv.ts';
import { hostsHolding } from './suffix-hosts.ts';
import { compareDigests, digestEntries } from './entry-digest.ts';
import { awaitEntries, awaitEntriesCommand, type Expected } from './await-entries.ts';
import { hostDigest, hostDigestCommand } from './host-digest.ts';
import { fencedHosts } from '../replication/fenced.ts';
import { isReadOnly, readReplicaRole, replicaRoleCommand } from '../replication/replica-role.ts';

/**
 * Proves the topology converged rather than trusting any server's view of its peers (a partition
 * is silent: an agreement kept saying "Incremental update succeeded" for minutes after its link
 * went down). A canary written on this host must be read back from every host directly, every
 * enabled agreement must report a successful update, and every replica generation must agree.
 */

export function canaryDn(token: string, suffix: string): string {
  return `cn=lifeboat-canary-${token},${suffix}`;
}

export interface SuffixConvergence {
  suffix: string;
  canary: string;
  /** ms from the write until each host served the canary */
  arrivalMs: Record<string, number>;
  generations: Record<string, string | undefined>;
  unhealthy: string[];
  /** Hosts whose replica of the suffix is read-only (consumer, hub): read, never written on. */
  readOnly: string[];
}

async function waitUntil<T>(what: () => Promise<T | undefined>, deadline: number, pollMs: number, signal: AbortSignal): Promise<T | undefined> {
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(pollMs, undefined, { signal });
  }
}

async function pokeAgreements(ctx: ActionContext, suffix: string, agreements: Agreement[], why = 'still not healthy'): Promise<void> {
  const byHost = new Map<string, string[]>();
  for (const a of agreements) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a.dn]);
  // One ldapmodify per host, all hosts at once.
  await Promise.all(
    [...byHost].map(async ([host, dns]) => {
      const h = ctx.inventory.hosts.find((x) => x.name === host)!;
      // The live view puts the step's host in front: name a host only when it is another one.
      ctx.emit({ kind: 'progress', message: `${suffix}: poking ${dns.length} agreement(s)${host === ctx.host.name ? '' : ` on ${host}`} (${why})` });
      // One ldapmodify per agreement: the server stops their sessions side by side.
      await modifyEach(await ctx.connect(host), instanceName(ctx.inventory, h), dns.map((dn) => pokeLdif([dn])), { signal: ctx.signal });
    }),
  );
}

/**
 * Only an agreement whose last session failed can sit in a back-off (up to 300 s): a successful or
 * running session, or one that has not started yet, sends a new change at once. Poking every
 * agreement at the same moment would itself make them collide on their consumers ("replica busy")
 * and back off, which is what the poke is meant to avoid.
 */
export function mayBeBackingOff(a: Agreement): boolean {
  return a.lastUpdateStatus !== undefined && statusCode(a.lastUpdateStatus) !== 0;
}

/** Success, or a soft status (code 0, or 1 = busy) with the peer already holding all this host has. */
export function agreementHealthy(a: Agreement, ruvs: Map<string, Ruv>): boolean {
  if (isHealthyUpdateStatus(a.lastUpdateStatus)) return true;
  const code = statusCode(a.lastUpdateStatus);
  if (code !== 0 && code !== 1) return false;
  const mine = ruvs.get(a.host);
  const theirs = a.peer ? ruvs.get(a.peer) : undefined;
  return !!mine && !!theirs && ruvCovers(mine, theirs);
}

function describe(a: Agreement): string {
  return `${a.host} -> ${a.peer ?? a.peerAddress} (${a.suffix}): ${a.lastUpdateStatus ?? 'no status'}`;
}

/** The write each host makes: a probe entry per writer, so every host's outgoing agreements carry one. */
export function probeDn(token: string, writer: string, suffix: string): string {
  return `cn=lifeboat-probe-${token}-${writer},${suffix}`;
}

/** Entries Lifeboat itself writes for the proof; left out of the entry comparison. */
const OWN_ENTRY = /^cn=lifeboat-(canary|probe)-/i;

/**
 * Each host's entries against this host's: the hosts that differ, with what differs. The hosts
 * hash their entries first; only when a hash differs are the entries fetched and compared here.
 */
async function entryDifferences(ctx: ActionContext, suffix: string, hosts: InventoryHost[], excluded: string[]): Promise<string[]> {
  const hashes = await Promise.all(hosts.map(async (h) => hostDigest(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, ctx.signal, excluded)));
  if (new Set(hashes).size <= 1) return [];
  return fetchedDifferences(ctx, suffix, hosts, excluded);
}

/** Every host's entries fetched and digested here, against this host's. */
async function fetchedDifferences(ctx: ActionContext, suffix: string, hosts: InventoryHost[], excluded: string[]): Promise<string[]> {
  const digests = await Promise.all(
    hosts.map(async (h) => {
      const entries = (await ldapSearch(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, 'sub', '(objectClass=*)', ['*'], { signal: ctx.signal })).filter((e) => !OWN_ENTRY.test(e.dn));
      return { host: h.name, digest: digestEntries(entries, excluded) };
    }),
  );
  const ref = digests.find((d) => d.host === ctx.host.name) ?? digests[0];
  if (!ref) return [];
  return digests
    .filter((d) => d !== ref)
    .map((d) => compareDigests(ref.digest, d.digest, d.host))
    .filter((d) => d.missing.length + d.extra.length + d.different.length > 0)
    .map((d) => `${d.host} has diverged from ${ref.host} (${suffix}): ${d.missing.length} missing, ${d.extra.length} extra, ${d.different.length} different (${[...d.extra, ...d.missing, ...d.different].slice(0, 3).join(' | ')})`);
}

/**
 * One write of the proof: its writer adds its own entry and deletes the one before it, in one
 * ldapmodify (a delete is carried by the writer's agreements like an add).
 */
export type ChainWrite<H> = { writer: H; add?: string; del?: string; /** the writer's own proof entry, added or not */ own: string };
type Write = ChainWrite<InventoryHost>;

/**
 * The proof's writes as a chain: each writer adds its entry and deletes the previous writer's;
 * the last writer only deletes, so the proof ends with nothing of it left on any host (a removal
 * round after the writes cost another round of pokes and arrivals). A single writable host adds,
 * then deletes.
 */
export function chainWrites<H>(writers: { host: H; dn: string }[]): ChainWrite<H>[] {
  const last = writers.length - 1;
  const writes = writers.map((w, i): ChainWrite<H> => ({ writer: w.host, own: w.dn, ...(i < last || last === 0 ? { add: w.dn } : {}), ...(i > 0 ? { del: writers[i - 1]!.dn } : {}) }));
  if (last === 0) writes.push({ writer: writers[0]!.host, own: writers[0]!.dn, del: writers[0]!.dn });
  return writes;
}

/** What every other host must serve once a write arrived. */
function expected(w: ChainWrite<{ name: string }>): Expected {
  return { present: w.add ? [w.add] : [], absent: w.del ? [w.del] : [] };
}

function writeRecord(w: Write): string {
  return joinRecords([
    ...(w.add ? [addRecord(w.add, { objectClass: ['top', 'extensibleObject'], description: [`written on ${w.writer.name}`] })] : []),
    ...(w.del ? [deleteRecord(w.del)] : []),
  ]);
}

/**
 * The writer's agreements that are in a back-off now, restarted (off/on) beside its write, one
 * ldapmodify each (in one, the server stops their sessions one after another). In a mesh, every change a host receives wakes all its agreements too; those sessions
 * meet on the consumers ("replica busy") and back off for up to 3 s, so a write that follows would
 * wait for the back-off to end. Only those are restarted: turning an agreement off waits for its
 * session to end, which costs more than the write.
 */
async function pokeFirst(ctx: ActionContext, suffix: string, host: InventoryHost): Promise<string[]> {
  const fenced = fencedHosts(ctx);
  const stuck = (await listAgreements(await ctx.connect(host.name), ctx.inventory, host.name, instanceName(ctx.inventory, host), [suffix], { signal: ctx.signal })).filter(
    (a) => a.enabled && !(a.peer && fenced.includes(a.peer)) && mayBeBackingOff(a),
  );
  return stuck.map((a) => pokeLdif([a.dn]));
}

/**
 * A write from EVERY host, each waited for on every other host: replication works in every
 * direction. One writer at a time: writes from every host at once reach each host from three
 * suppliers together, two of them are refused ("replica busy") and back off for seconds; one
 * after another, each arrives in tens of milliseconds. The first writer's agreements in a
 * back-off are known already (`firstPokes`); each later writer's are read just before its write,
 * since the write before it is what put them there. Returns the writes that did not arrive.
 */
async function writeEverywhere(ctx: ActionContext, suffix: string, hosts: InventoryHost[], writes: Write[], firstPokes: string[], deadline: number, arrivalMs: Record<string, number>): Promise<string[]> {
  const pollMs = Number(ctx.args.poll_ms ?? 50);
  const late: string[] = [];
  for (const [i, chained] of writes.entries()) {
    // The entry before never reached this writer (a diverged or cut-off host): it cannot delete
    // it, so it adds its own instead; what is left is removed after the proof.
    const missed = chained.del !== undefined && i > 0 && late.includes(`${writes[i - 1]!.writer.name} -> ${chained.writer.name}`);
    const w: Write = missed ? { writer: chained.writer, own: chained.own, add: chained.own } : chained;
    const written = Date.now();
    const pokes = i === 0 ? firstPokes : await pokeFirst(ctx, suffix, w.writer);
    await modifyEach(await ctx.connect(w.writer.name), instanceName(ctx.inventory, w.writer), [...pokes, writeRecord(w)], { signal: ctx.signal });
    await Promise.all(
      hosts
        .filter((h) => h.name !== w.writer.name)
        .map(async (h) => {
          const seen = await awaitEntries(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, expected(w), deadline, { pollMs, signal: ctx.signal });
          if (!seen.done) late.push(`${w.writer.name} -> ${h.name}`);
          else arrivalMs[h.name] = Math.max(arrivalMs[h.name] ?? 0, Date.now() - written);
        }),
    );
  }
  return [...new Set(late)];
}

/** Each host's agreements and RUV, until every enabled agreement is healthy (or the deadline). */
async function awaitHealthy(ctx: ActionContext, suffix: string, hosts: InventoryHost[], deadline: number): Promise<{ unhealthy: Agreement[]; ruvs: Map<string, Ruv> }> {
  const fenced = fencedHosts(ctx);
  const pokeEveryMs = Number(ctx.args.poke_after_s ?? 10) * 1000;
  let lastPoke = Date.now();
  let unhealthy: Agreement[] = [];
  const ruvs = new Map<string, Ruv>();
  await waitUntil(
    async () => {
      const [all] = await Promise.all([
        Promise.all(hosts.map(async (h) => listAgreements(await ctx.connect(h.name), ctx.inventory, h.name, instanceName(ctx.inventory, h), [suffix], { signal: ctx.signal }))).then((x) => x.flat()),
        Promise.all(hosts.map(async (h) => ruvs.set(h.name, await readRuv(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, ctx.signal)))),
      ]);
      unhealthy = all.filter((a) => a.enabled && !(a.peer && fenced.includes(a.peer)) && !agreementHealthy(a, ruvs));
      // One that met "busy replica" during the re-inits sits in its back-off (up to 300 s).
      if (unhealthy.length && pokeEveryMs > 0 && Date.now() - lastPoke >= pokeEveryMs) {
        lastPoke = Date.now();
        await pokeAgreements(ctx, suffix, unhealthy);
      }
      return unhealthy.length === 0 ? true : undefined;
    },
    deadline,
    500,
    ctx.signal,
  );
  return { unhealthy, ruvs };
}

/**
 * For each writer whose write did not arrive somewhere: where its enabled agreements send the
 * suffix (an administrator's agreement left off can leave a supplier with no way out).
 */
function whereWritersSend(late: string[], agreements: Agreement[], suffix: string): string {
  const writers = [...new Set(late.map((l) => l.split(' -> ')[0]!))].sort();
  return writers
    .map((w) => {
      const mine = agreements.filter((a) => a.host === w);
      const on = mine.filter((a) => a.enabled).map((a) => a.peer ?? a.peerAddress);
      const off = mine.filter((a) => !a.enabled).map((a) => a.name);
      return `; ${w} sends ${suffix} to ${on.join(', ') || 'nobody'}${off.length ? ` (off: ${off.join(', ')})` : ''}`;
    })
    .join('');
}

/**
 * A consumer or hub answers a write with a referral: it is proven by what it receives, and the
 * writes (and the canary, and its removal) come from writable hosts, this one when it is.
 */
async function writableHosts(ctx: ActionContext, suffix: string, hosts: InventoryHost[]): Promise<{ home: InventoryHost; writable: InventoryHost[]; readOnly: string[] }> {
  const roles = await Promise.all(hosts.map(async (h) => readReplicaRole(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, ctx.signal)));
  const readOnly = hosts.filter((_, i) => isReadOnly(roles[i])).map((h) => h.name);
  const writable = hosts.filter((h) => !readOnly.includes(h.name));
  const home = writable.find((h) => h.name === ctx.host.name) ?? writable[0];
  if (!home) throw new ActionError(`${suffix}: every host of the proof holds a read-only replica (${readOnly.join(', ')}): nothing can be written to prove replication`);
  return { home, writable, readOnly };
}

async function checkSuffix(ctx: ActionContext, suffix: string, hosts: InventoryHost[], token: string): Promise<SuffixConvergence> {
  const timeoutMs = Number(ctx.args.timeout_s ?? 60) * 1000;
  const fenced = fencedHosts(ctx);
  // The roles, every agreement and any proof entries left over, read side by side.
  const [{ home, writable, readOnly }, agreements, leftovers] = await Promise.all([
    writableHosts(ctx, suffix, hosts),
    Promise.all(hosts.map(async (h) => listAgreements(await ctx.connect(h.name), ctx.inventory, h.name, instanceName(ctx.inventory, h), [suffix], { signal: ctx.signal }))),
    ldapSearch(await ctx.connect(), instanceName(ctx.inventory, ctx.host), suffix, 'one', LEFTOVER_FILTER, ['1.1'], { signal: ctx.signal }),
  ]);
  if (leftovers.length) await removeLeftovers(ctx, suffix, home, leftovers.map((e) => e.dn));
  const stuck = agreements.flat().filter((a) => a.enabled && !(a.peer && fenced.includes(a.peer)) && mayBeBackingOff(a));
  // Fractional replication: what any agreement of the suffix leaves out is not compared.
  const excluded = [...new Set(agreements.flat().flatMap((a) => a.excluded ?? []))];
  const dn = canaryDn(token, suffix);
  const writes = chainWrites([{ host: home, dn }, ...writable.filter((h) => h.name !== home.name).map((h) => ({ host: h, dn: probeDn(token, h.name, suffix) }))]);
  // Out of their back-off before the first write: the first writer's agreements (beside its
  // write) and a hub's (it forwards the writes to its consumers). Each later writer's are read
  // again just before its own write.
  const later = new Set(writes.slice(1).map((w) => w.writer.name));
  const firstPokes = stuck.filter((a) => a.host === home.name).map((a) => pokeLdif([a.dn]));
  const elsewhere = stuck.filter((a) => a.host !== home.name && !later.has(a.host));
  let clean = false;
  // Statuses say nothing about a host that came back with old data: compare the entries
  // themselves. That does not depend on the writes (proof entries are left out), so it runs
  // beside them; it looks again every second while the hosts still differ.
  const differences = (async () => {
    let diverged: string[] = [];
    await waitUntil(async () => ((diverged = await entryDifferences(ctx, suffix, hosts, excluded)).length ? undefined : true), Date.now() + Math.min(timeoutMs, 15_000), 1000, ctx.signal);
    return diverged;
  })();
  differences.catch(() => undefined);
  try {
    const arrivalMs: Record<string, number> = {};
    if (elsewhere.length) await pokeAgreements(ctx, suffix, elsewhere, 'their last session failed: out of their back-off');
    const late = await writeEverywhere(ctx, suffix, hosts, writes, firstPokes, Date.now() + timeoutMs, arrivalMs);
    // Every write, the last writer's delete included, arrived everywhere: no proof entry is left.
    clean = late.length === 0;
    // Every check runs and every problem is reported together: a stale host shows up at once as
    // diverged, not delivering, and of another generation.
    const problems: string[] = [];
    if (late.length) problems.push(`writes did not arrive within ${timeoutMs / 1000} s (${suffix}): ${late.sort().join(', ')}${whereWritersSend(late, agreements.flat(), suffix)}`);
    arrivalMs[ctx.host.name] ??= 0;

    // Healthy: a successful last session, or no hard error and the peer's RUV already covers
    // this host's (nothing left to send).
    const { unhealthy, ruvs } = await awaitHealthy(ctx, suffix, hosts, Date.now() + (late.length ? 0 : timeoutMs));
    if (unhealthy.length) problems.push(`agreements not healthy after the writes: ${unhealthy.map(describe).join('; ')}`);

    const generations: Record<string, string | undefined> = Object.fromEntries(hosts.map((h) => [h.name, ruvs.get(h.name)?.generation]));
    if (new Set(Object.values(generations)).size !== 1 || Object.values(generations).includes(undefined)) {
      problems.push(`replica generations differ for ${suffix}: ${Object.entries(generations).sort(([a], [b]) => a.localeCompare(b)).map(([h, g]) => `${h}=${g ?? 'none'}`).join(', ')}`);
    }

    const diverged = await differences;
    if (diverged.length) problems.unshift(`entries differ: ${diverged.join('; ')}`);
    if (problems.length) {
      throw new ActionError(problems.join('\n'), diverged.length ? { hint: 're-initialize the diverged host from a good one (rejoin playbook) before trusting it' } : undefined);
    }
    return { suffix, canary: dn, arrivalMs, generations, unhealthy: [], readOnly };
  } finally {
    // Nothing of the proof keeps running after the step.
    await differences.catch(() => undefined);
    if (!clean) await removeWrites(ctx, suffix, writes, hosts);
  }
}

/** Proof entries of any run: the canary and the probes. */
const LEFTOVER_FILTER = '(|(cn=lifeboat-canary-*)(cn=lifeboat-probe-*))';

/**
 * Proof entries an earlier proof could not delete (its controller was killed mid-way) are removed
 * on a writable host before the new proof: they replicate like any delete.
 */
async function removeLeftovers(ctx: ActionContext, suffix: string, home: InventoryHost, dns: string[]): Promise<void> {
  ctx.emit({ kind: 'warning', message: `removing ${dns.length} proof entr${dns.length === 1 ? 'y' : 'ies'} an interrupted earlier proof left in ${suffix}` });
  await ldapModify(await ctx.connect(home.name), instanceName(ctx.inventory, home), joinRecords(dns.map((dn) => deleteRecord(dn))), { signal: ctx.signal, continueOnError: true });
}

/** Waits until no host serves any proof entry, so the run ends with the data as it found it (a warning after 30 s). */
async function awaitRemoved(ctx: ActionContext, suffix: string, dns: string[], hosts: InventoryHost[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  const pollMs = Number(ctx.args.poll_ms ?? 50);
  const still = (
    await Promise.all(hosts.map(async (h) => ((await awaitEntries(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, { present: [], absent: dns }, deadline, { pollMs, signal: ctx.signal })).done ? undefined : h.name)))
  ).filter(Boolean);
  if (still.length) ctx.emit({ kind: 'warning', message: `proof entries still on ${still.join(', ')} after 30 s` });
}

/**
 * After a failure or an interruption: each proof entry deleted on the host that added it (a write
 * that never left it is only there) and on the canary's writer, which may hold the others.
 */
async function removeWrites(ctx: ActionContext, suffix: string, writes: Write[], hosts: InventoryHost[]): Promise<void> {
  // Every writer's own entry, whether the chain added it or not (one that is not there is skipped).
  const dns = [...new Set(writes.map((w) => w.own))];
  if (dns.length === 0) return;
  try {
    const byWriter = new Map<InventoryHost, string[]>();
    for (const w of writes) byWriter.set(w.writer, [...new Set([...(byWriter.get(w.writer) ?? []), w.own])]);
    byWriter.set(writes[0]!.writer, dns);
    await Promise.all(
      [...byWriter].map(async ([h, mine]) => ldapModify(await ctx.connect(h.name), instanceName(ctx.inventory, h), joinRecords(mine.map((dn) => deleteRecord(dn))), { signal: ctx.signal, continueOnError: true }).catch(() => undefined)),
    );
    await awaitRemoved(ctx, suffix, dns, hosts);
  } catch (e) {
    ctx.emit({ kind: 'warning', message: `could not remove the proof entries: ${e instanceof Error ? e.message : String(e)}` });
  }
}

export const verifyConverged: Action = {
  name: 'verify.converged',
  description: 'Write a canary on this host and prove every host has it, every agreement is healthy and replica generations agree',
  args: {
    suffixes: SUFFIXES_ARG,
    hosts: { type: 'any', default: 'all', description: 'Hosts that must converge (`all` or a list); narrowed to those holding each suffix' },
    timeout_s: { type: 'number', default: 60, description: 'Per check: canary arrival, agreement health' },
    poll_ms: { type: 'number', default: 50, description: 'How often each host looks for the proof entries (a loop on the host: the controller hears only the answer)' },
    poke_after_s: { type: 'number', default: 10, description: 'Poke agreements still unhealthy this often (skips their back-off); 0: never' },
  },
  plan(ctx): PlannedCommand[] {
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const inst = instanceName(ctx.inventory, ctx.host);
    return suffixes.flatMap((suffix) => {
      const hosts = hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars);
      const dn = canaryDn('<run>', suffix);
      const each = (f: (h: InventoryHost, inst: string) => PlannedCommand) => hosts.map((h) => f(h, instanceName(ctx.inventory, h)));
      const pollMs = Number(ctx.args.poll_ms ?? 50);
      const writes = chainWrites([{ host: ctx.host, dn }, ...hosts.filter((h) => h.name !== ctx.host.name).map((h) => ({ host: h, dn: probeDn('<run>', h.name, suffix) }))]);
      const what = (w: ChainWrite<InventoryHost>) => [w.add && `add ${w.add}`, w.del && `delete ${w.del}`].filter(Boolean).join(', ');
      return [
        ...each((h, i) => ({ host: h.name, command: replicaRoleCommand(i, suffix), note: `on ${h.name}: its replica's role; a read-only one (consumer, hub) is only read, and the writes below skip it` })),
        { host: ctx.host.name, command: searchCommand(inst, suffix, 'one', LEFTOVER_FILTER, ['1.1']), note: 'proof entries an interrupted earlier proof left are deleted (one ldapmodify on a writable host)' },
        ...each((h, i) => ({ host: h.name, command: listAgreementsCommand(i), note: `on ${h.name}: its agreements whose last session failed are poked (off/on) out of their back-off: ${h.name === ctx.host.name ? 'beside its write' : "a writer's just before its own write, a hub's now"}` })),
        ...each((h, i) => ({ host: h.name, command: hostDigestCommand(i, suffix), note: `on ${h.name}, beside the writes: one hash of every entry, compared with ${ctx.host.name}'s (if one differs: every entry fetched and compared; again every second, up to 15 s)` })),
        // One writer at a time, each write awaited on every other host; the last one deletes what is left.
        ...writes.flatMap((w, n) => [
          ...(n > 0 ? [{ host: w.writer.name, command: listAgreementsCommand(instanceName(ctx.inventory, w.writer)), note: `on ${w.writer.name}: its agreements in a back-off now` }] : []),
          { host: w.writer.name, command: modifyCommand(instanceName(ctx.inventory, w.writer)), stdin: `LDIF: ${what(w)}`, note: `on ${w.writer.name}: a write its outgoing agreements must carry; beside it, each of those agreements off/on (one ldapmodify each, at once)` },
          ...hosts
            .filter((h) => h.name !== w.writer.name)
            .map((h) => ({ host: h.name, command: awaitEntriesCommand(instanceName(ctx.inventory, h), suffix, expected(w), pollMs, 5), note: `on ${h.name}: repeated until ${w.writer.name}'s write arrived` })),
        ]),
        ...each((h, i) => ({ host: h.name, command: listAgreementsCommand(i), note: `on ${h.name}: every enabled agreement healthy (re-read every 500 ms until it is)` })),
        ...each((h, i) => ({ host: h.name, command: ruvCommand(i, suffix), note: `on ${h.name}: RUV (generation, what it has seen)` })),
        { host: ctx.host.name, command: modifyCommand(inst, { continueOnError: true }), stdin: 'LDIF: delete every proof entry added', note: 'only after a failure or an interruption: each on the host that added it, then awaited gone everywhere' },
      ];
    });
  },
  async run(ctx) {
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const token = `${basename(ctx.runDir)}-${Date.now().toString(36)}`.replace(/[^A-Za-z0-9-]/g, '-');
    // Suffixes replicate independently: prove them side by side (each waits on replication latency).
    const results: SuffixConvergence[] = await Promise.all(suffixes.map((suffix) => checkSuffix(ctx, suffix, hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars), token)));
    const slowest = Math.max(0, ...results.flatMap((r) => Object.values(r.arrivalMs)));
    const fenced = fencedHosts(ctx);
    // Per suffix: a host may be a hub of one suffix and a supplier of another.
    const readOnly = results.filter((r) => r.readOnly.length).map((r) => `${r.readOnly.join(', ')} (${r.suffix})`);
    return {
      changed: false,
      summary: `converged: ${results.map((r) => `${r.suffix} on ${Object.keys(r.arrivalMs).length} hosts`).join(', ')} (identical entries, a write from every writable host seen everywhere); slowest write ${slowest} ms${readOnly.length ? `; read-only, not written on: ${readOnly.join(', ')}` : ''}${fenced.length ? `; NOT checked, fenced: ${fenced.join(', ')} (left out of this run: rejoin before it serves again)` : ''}`,
      output: { suffixes: results },
    };
  },
};
