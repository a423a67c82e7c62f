import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.ts';
import { ktsPreflight } from '../../../src/profiles/keytrustee/actions/preflight.ts';
import { ktsStandbyRebuild } from '../../../src/profiles/keytrustee/actions/standby-rebuild.ts';
import { ktsActiveFromPassive } from '../../../src/profiles/keytrustee/actions/active-from-passive.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';
import { fakeContext, host, inventory } from '../backup/fake-context.ts';

/**
 * The servers' own state decides, not the inventory: a host the inventory calls lost (the passive of
 * passive-loss, the active of active-loss) is refused when its database answers as a primary, before
 * anything changes; a pair whose servers listen on different ports copies from the right one.
 */
const kts = (hostVars: Record<string, Record<string, unknown>> = {}): Inventory => ({
  ...inventory([host('kts1', ['active'], hostVars.kts1 ?? {}), host('kts2', ['passive'], hostVars.kts2 ?? {})], {}),
  profile: 'keytrustee',
  vars: {},
  file: '/tmp/kts.yaml',
});

/** The preflight of a host whose `SELECT pg_is_in_recovery()` answers `recovery` (or fails: 'down'). */
async function preflight(name: 'kts1' | 'kts2', recovery: 't' | 'f' | 'down', args: Record<string, unknown>) {
  const h = scriptedHost(name, (c) => (c.includes('pg_is_in_recovery') ? (recovery === 'down' ? { stdout: 'down\n' } : { stdout: `${recovery}\n` }) : undefined));
  const ctx = fakeContext({ inv: kts(), host: name, args, remote: h.remote });
  return { run: () => ktsPreflight.run(ctx), h };
}

describe('keytrustee: the servers decide, a lost host that answers as a primary is refused', () => {
  it('passive-loss on a promoted passive (split brain) is refused naming it, unless force', async () => {
    const p = await preflight('kts2', 'f', { state: 'empty' });
    await expect(p.run()).rejects.toThrow(/kts2: has role passive but its database answers on port 11381 as a primary.*with kts1 a primary too this is a split brain.*force=true discards kts2/);
    // Only the read-only probe ran.
    expect(p.h.commands).toHaveLength(1);
    await expect((await preflight('kts2', 'f', { state: 'empty', force: 'true' })).run()).resolves.toMatchObject({ changed: false });
  });

  it('active-loss on an active whose database answers as a primary is refused: it is not lost', async () => {
    await expect((await preflight('kts1', 'f', { state: 'empty' })).run()).rejects.toThrow(/kts1: its database answers on port 11381 as a primary: the active is not lost.*passive-loss.*data-loss.*force=true/);
  });

  it('a lost host whose database is down or a standby passes the empty-state preflight', async () => {
    for (const r of ['down', 't'] as const) {
      await expect((await preflight('kts1', r, { state: 'empty' })).run()).resolves.toMatchObject({ changed: false });
      await expect((await preflight('kts2', r, { state: 'empty' })).run()).resolves.toMatchObject({ changed: false });
    }
  });

  it('a passive that is not in recovery while running says split brain, not only "promoted"', async () => {
    await expect((await preflight('kts2', 'f', {})).run()).rejects.toThrow(/kts2: has role passive but its database is not in recovery.*split brain/);
  });

  it('copies from the other server on ITS port when host vars give the two different ports', () => {
    const inv = kts({ kts1: { db_port: 5433 }, kts2: { db_port: 5434 } });
    const rebuild = ktsStandbyRebuild.plan(fakeContext({ inv, host: 'kts2', args: {} })) as { command: string }[];
    expect(rebuild.find((c) => c.command.includes('pg_basebackup'))!.command).toMatch(/pg_basebackup -h kts1\.lab\.test -p 5433 /);
    const fromPassive = ktsActiveFromPassive.plan(fakeContext({ inv, host: 'kts1', args: {} })) as { command: string }[];
    expect(fromPassive.find((c) => c.command.includes('pg_basebackup'))!.command).toMatch(/pg_basebackup -h kts2\.lab\.test -p 5434 /);
  });

  it('replication_slot: the slot is made on the active when missing and the rebuilt passive streams through it; a bad name is refused', () => {
    const inv = { ...kts(), vars: { replication_slot: 'kts_passive' } };
    const plan = ktsStandbyRebuild.plan(fakeContext({ inv, host: 'kts2', args: {} })) as { host: string; command: string }[];
    const slot = plan.findIndex((c) => c.command.includes('pg_create_physical_replication_slot'));
    expect(plan[slot]!.host).toBe('kts1');
    expect(plan[slot]!.command).toMatch(/WHERE NOT EXISTS \(SELECT 1 FROM pg_replication_slots WHERE slot_name = '\\''kts_passive'\\''\)/);
    const base = plan.findIndex((c) => c.command.includes('pg_basebackup'));
    expect(base).toBeGreaterThan(slot);
    expect(plan[base]!.command).toMatch(/ -R -S kts_passive$/);
    expect(() => ktsStandbyRebuild.plan(fakeContext({ inv: { ...kts(), vars: { replication_slot: "x'; DROP" } }, host: 'kts2', args: {} }))).toThrow(/replication_slot "x'; DROP" is not a slot name/);
  });

  it('a running passive says how old its copy is (last replayed transaction, WAL receiver): active-loss copies exactly that', async () => {
    const h = scriptedHost('kts2', (c) => (c.includes('pg_is_in_recovery') ? { stdout: 't|2026-12-01 05:27:50|none\n' } : undefined));
    const r = await ktsPreflight.run(fakeContext({ inv: kts(), host: 'kts2', args: {}, remote: h.remote }));
    expect(r.summary).toBe('kts2: ready (standby, NOT streaming (WAL receiver: none); last replayed a transaction at 2026-12-01 05:27:50 UTC)');
  });
});
