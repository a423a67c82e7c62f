import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InventoryHost } from '../../../inventory/types.ts';
import type { Action, ActionContext, PlannedCommand } from '../../types.ts';
import { ActionError } from '../../types.ts';
import { instanceName } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { isHealthyUpdateStatus, listAgreements, listAgreementsCommand, statusCode, type Agreement } from '../replication/agreements.ts';
import { addRecord, deleteRecord, replaceRecord } from '../replication/ldif-build.ts';
import { pokeLdif } from '../replication/replication-poke.ts';
import { resolveSuffixes, SUFFIXES_ARG } from '../replication/suffix-args.ts';
import { readRuv, ruvCommand, ruvCovers, type Ruv } from './ruv.ts';
import { hostsHolding } from './suffix-hosts.ts';
import { fencedHosts } from '../replication/fenced.ts';

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
}

async function waitUntil<T>(what: () => Promise<T | undefined>, deadline: number, pollMs: number, signal: AbortSignal): Promise<T | undefined> {
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(pollMs, undefined, { signal });
  }
}

async function pokeAgreements(ctx: ActionContext, agreements: Agreement[]): Promise<void> {
  const byHost = new Map<string, string[]>();
  for (const a of agreements) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a.dn]);
  for (const [host, dns] of byHost) {
    const h = ctx.inventory.hosts.find((x) => x.name === host)!;
    ctx.emit({ kind: 'progress', message: `poking ${dns.length} agreement(s) on ${host} still not healthy` });
    await ldapModify(await ctx.connect(host), instanceName(ctx.inventory, h), pokeLdif(dns), { signal: ctx.signal });
  }
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

async function checkSuffix(ctx: ActionContext, suffix: string, hosts: InventoryHost[], token: string): Promise<SuffixConvergence> {
  const timeoutMs = Number(ctx.args.timeout_s ?? 60) * 1000;
  const pollMs = Number(ctx.args.poll_ms ?? 100);
  const master = await ctx.connect();
  const masterInst = instanceName(ctx.inventory, ctx.host);
  const dn = canaryDn(token, suffix);
  const written = Date.now();
  await ldapModify(master, masterInst, addRecord(dn, { objectClass: ['top', 'extensibleObject'], cn: [`lifeboat-canary-${token}`], description: [`written on ${ctx.host.name}`] }), { signal: ctx.signal });
  try {
    const deadline = written + timeoutMs;
    const arrivalMs: Record<string, number> = {};
    const missing: string[] = [];
    await Promise.all(
      hosts.map(async (h) => {
        const remote = await ctx.connect(h.name);
        const inst = instanceName(ctx.inventory, h);
        const seen = await waitUntil(async () => ((await ldapSearch(remote, inst, dn, 'base', '(objectClass=*)', ['cn'], { signal: ctx.signal })).length ? Date.now() : undefined), deadline, pollMs, ctx.signal);
        if (seen === undefined) missing.push(h.name);
        else arrivalMs[h.name] = seen - written;
      }),
    );
    if (missing.length) throw new ActionError(`canary written on ${ctx.host.name} did not reach ${missing.sort().join(', ')} within ${timeoutMs / 1000} s (${suffix})`);

    // Every enabled agreement among these hosts must have had a successful session.
    // A write on every host gives every agreement a change to carry, so its status is fresh
    // (an agreement switched back on keeps "agreement disabled" until its next session).
    await Promise.all(
      hosts.map(async (h) => ldapModify(await ctx.connect(h.name), instanceName(ctx.inventory, h), replaceRecord(dn, 'description', [`touched on ${h.name}`]), { signal: ctx.signal })),
    );
    // Healthy: a successful last session, or no hard error and the peer's RUV already covers
    // this host's (nothing left to send). Agreements still unhealthy are poked now and then:
    // one that met "busy replica" during the re-inits sits in its back-off (up to 300 s).
    let unhealthy: Agreement[] = [];
    const pokeEveryMs = Number(ctx.args.poke_after_s ?? 10) * 1000;
    let lastPoke = Date.now();
    await waitUntil(
      async () => {
        const all = (
          await Promise.all(hosts.map(async (h) => listAgreements(await ctx.connect(h.name), ctx.inventory, h.name, instanceName(ctx.inventory, h), [suffix], { signal: ctx.signal })))
        ).flat();
        const ruvs = new Map<string, Ruv>();
        await Promise.all(hosts.map(async (h) => ruvs.set(h.name, await readRuv(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, ctx.signal))));
        unhealthy = all.filter((a) => a.enabled && !(a.peer && fencedHosts(ctx).includes(a.peer)) && !agreementHealthy(a, ruvs));
        if (unhealthy.length && pokeEveryMs > 0 && Date.now() - lastPoke >= pokeEveryMs) {
          lastPoke = Date.now();
          await pokeAgreements(ctx, unhealthy);
        }
        return unhealthy.length === 0 ? true : undefined;
      },
      Date.now() + timeoutMs,
      500,
      ctx.signal,
    );
    if (unhealthy.length) throw new ActionError(`agreements not healthy after the canary: ${unhealthy.map(describe).join('; ')}`);

    const generations: Record<string, string | undefined> = {};
    await Promise.all(hosts.map(async (h) => (generations[h.name] = (await readRuv(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, ctx.signal)).generation)));
    if (new Set(Object.values(generations)).size !== 1 || Object.values(generations).includes(undefined)) {
      throw new ActionError(`replica generations differ for ${suffix}: ${Object.entries(generations).sort(([a], [b]) => a.localeCompare(b)).map(([h, g]) => `${h}=${g ?? 'none'}`).join(', ')}`);
    }
    return { suffix, canary: dn, arrivalMs, generations, unhealthy: [] };
  } finally {
    await removeCanary(ctx, dn, hosts);
  }
}

/** Deletes the canary and waits until no host serves it, so the run ends with the data as it found it. */
async function removeCanary(ctx: ActionContext, dn: string, hosts: InventoryHost[]): Promise<void> {
  try {
    await ldapModify(await ctx.connect(), instanceName(ctx.inventory, ctx.host), deleteRecord(dn), { signal: ctx.signal });
    const deadline = Date.now() + 30_000;
    const left = await Promise.all(
      hosts.map(async (h) => {
        const remote = await ctx.connect(h.name);
        const gone = await waitUntil(async () => ((await ldapSearch(remote, instanceName(ctx.inventory, h), dn, 'base', '(objectClass=*)', ['1.1'], { signal: ctx.signal })).length ? undefined : true), deadline, 200, ctx.signal);
        return gone ? undefined : h.name;
      }),
    );
    const still = left.filter(Boolean);
    if (still.length) ctx.emit({ kind: 'warning', message: `the canary ${dn} is still on ${still.join(', ')} after 30 s` });
  } catch (e) {
    ctx.emit({ kind: 'warning', message: `could not remove the canary ${dn}: ${e instanceof Error ? e.message : String(e)}` });
  }
}

export const verifyConverged: Action = {
  name: 'verify.converged',
  description: 'Write a canary on this host and prove every host has it, every agreement is healthy and replica generations agree',
  args: {
    suffixes: SUFFIXES_ARG,
    hosts: { type: 'any', default: 'all', description: 'Hosts that must converge (`all` or a list); narrowed to those holding each suffix' },
    timeout_s: { type: 'number', default: 60, description: 'Per check: canary arrival, agreement health' },
    poll_ms: { type: 'number', default: 200, description: 'How often each host is asked for the canary' },
    poke_after_s: { type: 'number', default: 10, description: 'Poke agreements still unhealthy this often (skips their back-off); 0: never' },
  },
  plan(ctx): PlannedCommand[] {
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const inst = instanceName(ctx.inventory, ctx.host);
    return suffixes.flatMap((suffix) => {
      const hosts = hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars);
      const dn = canaryDn('<run>', suffix);
      return [
        { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: add ${dn}` },
        ...hosts.map((h) => ({ host: h.name, command: searchCommand(instanceName(ctx.inventory, h), dn, 'base', '(objectClass=*)', ['cn']), note: `on ${h.name}: polled until the canary arrives` })),
        ...hosts.map((h) => ({ host: h.name, command: modifyCommand(instanceName(ctx.inventory, h)), stdin: `LDIF: replace description of ${dn}`, note: `on ${h.name}: a write that every agreement of ${h.name} carries` })),
        ...hosts.map((h) => ({ host: h.name, command: listAgreementsCommand(instanceName(ctx.inventory, h)), note: `on ${h.name}: agreement statuses` })),
        ...hosts.map((h) => ({ host: h.name, command: ruvCommand(instanceName(ctx.inventory, h), suffix), note: `on ${h.name}: replica generation` })),
        { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: delete ${dn}` },
      ];
    });
  },
  async run(ctx) {
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const token = `${basename(ctx.runDir)}-${Date.now().toString(36)}`.replace(/[^A-Za-z0-9-]/g, '-');
    const results: SuffixConvergence[] = [];
    for (const suffix of suffixes) results.push(await checkSuffix(ctx, suffix, hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars), token));
    const slowest = Math.max(0, ...results.flatMap((r) => Object.values(r.arrivalMs)));
    return {
      changed: false,
      summary: `converged: ${results.map((r) => `${r.suffix} on ${Object.keys(r.arrivalMs).length} hosts`).join(', ')}; slowest canary ${slowest} ms`,
      output: { suffixes: results },
    };
  },
};
