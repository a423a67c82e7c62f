import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { ktsVars } from '../kts-vars.ts';
import { DIGEST_SQL, IN_RECOVERY_SQL, parseDigest, psqlCommand, REPLICATION_SQL, type DepositDigest } from '../pg.ts';
import { missingSlot } from '../slot.ts';
import { requireRole } from './role-guard.ts';
import { sh } from './steps.ts';

const PROBE_OWNER = 'lifeboat-probe';

function commands(ctx: ActionContext) {
  const { v, passive } = requireRole(ctx, 'active', 'verify.pair');
  const pv = ktsVars(ctx.inventory, passive);
  return {
    v,
    pv,
    passive,
    digestActive: psqlCommand(v, DIGEST_SQL),
    digestPassive: psqlCommand(pv, DIGEST_SQL),
    recovery: psqlCommand(pv, IN_RECOVERY_SQL, 'postgres'),
    replication: psqlCommand(v, REPLICATION_SQL, 'postgres'),
    probeInsert: (tag: string) => psqlCommand(v, `INSERT INTO deposits (owner, payload) VALUES ('${PROBE_OWNER}', convert_to('${tag}', 'UTF8')) RETURNING uuid`),
    probeSeen: (uuid: string) => psqlCommand(pv, `SELECT count(*) FROM deposits WHERE uuid = '${uuid}'`),
    probeDelete: (uuid: string) => psqlCommand(v, `DELETE FROM deposits WHERE uuid = '${uuid}'`),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Proves the pair is whole, each check independent of the restore that came before: deposits
 * identical on both (count + digest), the passive in recovery, the active streaming to it with no
 * lag, and a new deposit on the active visible on the passive within `probe_ms` (then removed).
 */
export const ktsVerifyPair: Action = {
  name: 'verify.pair',
  description: 'Deposits identical on active and passive (count + digest), passive in recovery and streaming with lag 0, a new deposit on the active visible on the passive within probe_ms',
  args: {
    timeout_s: { type: 'number', default: 60, description: 'how long to wait for the passive to catch up' },
    probe_ms: { type: 'number', default: 5000, description: 'a new deposit must reach the passive within this' },
  },
  plan(ctx) {
    const c = commands(ctx);
    const host = ctx.host.name;
    return [
      { host, command: c.replication, note: 'until every standby streams with lag 0' },
      { host: c.passive.name, command: c.recovery, note: 'must be t' },
      { host, command: c.digestActive },
      { host: c.passive.name, command: c.digestPassive, note: 'must equal the active\'s' },
      { host, command: c.probeInsert('<probe tag>'), note: 'a probe deposit' },
      { host: c.passive.name, command: c.probeSeen('<probe uuid>'), note: 'polled until 1' },
      { host, command: c.probeDelete('<probe uuid>') },
    ];
  },
  async run(ctx) {
    const c = commands(ctx);
    const timeoutMs = Number(ctx.args.timeout_s ?? 60) * 1000;
    const probeMs = Number(ctx.args.probe_ms ?? 5000);
    const a = await ctx.connect();
    const p = await ctx.connect(c.passive.name);
    const deadline = Date.now() + timeoutMs;
    let repl = '';
    let same: [DepositDigest, DepositDigest] | undefined;
    for (;;) {
      repl = (await sh(a, ctx, c.replication, 'reading pg_stat_replication')).stdout.trim();
      const rec = (await sh(p, ctx, c.recovery, 'asking the passive whether it is in recovery')).stdout.trim();
      if (rec !== 't') throw new ActionError(`${c.passive.name}: not in recovery (pg_is_in_recovery = ${rec}): it is not a standby of ${ctx.host.name}`);
      if (repl === 'streaming 0') {
        const da = parseDigest((await sh(a, ctx, c.digestActive, 'deposit digest on the active')).stdout);
        const dp = parseDigest((await sh(p, ctx, c.digestPassive, 'deposit digest on the passive')).stdout);
        if (da.count === dp.count && da.digest === dp.digest) {
          same = [da, dp];
          break;
        }
      }
      if (Date.now() > deadline) {
        const ask = async (side: 'active' | 'passive', q: string) => (await sh(side === 'active' ? a : p, ctx, psqlCommand(side === 'active' ? c.v : c.pv, q, 'postgres'), 'reading replication slots')).stdout;
        const slot = repl === 'none' ? await missingSlot(ask, ctx.host.name, c.passive.name) : undefined;
        throw new ActionError(`${ctx.host.name}: the pair did not converge in ${timeoutMs / 1000} s (replication: ${repl === 'none' ? 'no standby connected' : repl})${slot ? `: ${slot}` : ''}`);
      }
      await sleep(250);
    }
    const tag = `probe-${Date.now()}`;
    const uuid = (await sh(a, ctx, c.probeInsert(tag), 'writing a probe deposit')).stdout.trim().split('\n')[0]!;
    const t0 = Date.now();
    let seenMs: number | undefined;
    while (Date.now() - t0 < probeMs) {
      if ((await sh(p, ctx, c.probeSeen(uuid), 'looking for the probe on the passive')).stdout.trim() === '1') {
        seenMs = Date.now() - t0;
        break;
      }
      await sleep(50);
    }
    await sh(a, ctx, c.probeDelete(uuid), 'removing the probe deposit');
    if (seenMs === undefined) throw new ActionError(`${c.passive.name}: a deposit written on ${ctx.host.name} was not visible after ${probeMs} ms`);
    const [da] = same;
    return {
      changed: false,
      summary: `${da.count} deposits identical on ${ctx.host.name} and ${c.passive.name} (digest ${da.digest}); passive in recovery, streaming, lag 0; a new deposit reached it in ${seenMs} ms`,
      output: { count: da.count, digest: da.digest, probeMs: seenMs },
    };
  },
};
