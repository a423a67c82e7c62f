import type { DrItem } from '../../dr/items.ts';
import type { Inventory } from '../../inventory/types.ts';
import type { RemoteHost } from '../../transport/types.ts';
import { mask } from '../../util/secrets.ts';
import { ktsVars, pairOf } from './kts-vars.ts';
import { missingSlot } from './slot.ts';
import { DIGEST_SQL, IN_RECOVERY_SQL, parseDigest, psqlCommand, REPLICATION_SQL } from './pg.ts';

/**
 * `dr check` on a Key Trustee pair: the passive is a standby (in recovery), the active streams to
 * it with nothing left to replay, and both hold the same deposits (count + digest) — the read-only
 * half of verify.pair (no probe deposit: dr check changes nothing). A busy pair may lag for an
 * instant, so it is read again for up to `settleMs` before the item fails.
 */

const ID = 'kts-pair-in-sync';
const TITLE = 'Active/passive pair in sync (passive in recovery, streaming, lag 0, deposits identical)';

export async function ktsReadinessItems(inv: Inventory, connect: (host: string) => Promise<RemoteHost>, settleMs = 5000): Promise<DrItem[]> {
  let pair: ReturnType<typeof pairOf>;
  try {
    pair = pairOf(inv);
  } catch (e) {
    return [{ id: ID, title: TITLE, status: 'fail', why: (e as Error).message }];
  }
  const { active, passive } = pair;
  const av = ktsVars(inv, active);
  const pv = ktsVars(inv, passive);
  const sql = async (remote: RemoteHost, host: string, command: string, what: string) => {
    const r = await remote.exec(command, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`${host}: ${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    return r.stdout.trim();
  };
  try {
    const a = await connect(active.name);
    const p = await connect(passive.name);
    const deadline = Date.now() + settleMs;
    for (;;) {
      const problems: string[] = [];
      const rec = await sql(p, passive.name, psqlCommand(pv, IN_RECOVERY_SQL, 'postgres'), 'pg_is_in_recovery()');
      if (rec !== 't') problems.push(`${passive.name} is not in recovery (not a standby of ${active.name})`);
      const repl = await sql(a, active.name, psqlCommand(av, REPLICATION_SQL, 'postgres'), 'reading pg_stat_replication');
      if (repl === 'none') {
        const ask = (side: 'active' | 'passive', q: string) => (side === 'active' ? sql(a, active.name, psqlCommand(av, q, 'postgres'), 'slot') : sql(p, passive.name, psqlCommand(pv, q, 'postgres'), 'slot'));
        const slot = await missingSlot(ask, active.name, passive.name);
        problems.push(`${active.name} has no standby connected (pg_stat_replication is empty)${slot ? `: ${slot}` : ''}`);
      }
      else if (repl !== 'streaming 0') problems.push(`${active.name}'s standby: ${repl.split(',').map((s) => { const [state, lag] = s.split(' '); return `${state}, ${lag} bytes not replayed`; }).join('; ')}`);
      const da = parseDigest(await sql(a, active.name, psqlCommand(av, DIGEST_SQL), 'deposit digest'));
      const dp = parseDigest(await sql(p, passive.name, psqlCommand(pv, DIGEST_SQL), 'deposit digest'));
      if (da.count !== dp.count || da.digest !== dp.digest) problems.push(`deposits differ: ${active.name} ${da.count} (digest ${da.digest}), ${passive.name} ${dp.count} (digest ${dp.digest})`);
      if (problems.length === 0) return [{ id: ID, title: TITLE, status: 'pass', why: `${passive.name} in recovery, streaming from ${active.name} with lag 0; ${da.count} deposits identical (digest ${da.digest})` }];
      if (Date.now() > deadline) return [{ id: ID, title: TITLE, status: 'fail', why: problems.join('; ') }];
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    return [{ id: ID, title: TITLE, status: 'fail', why: mask(`cannot read the pair: ${(e as Error).message}`) }];
  }
}
