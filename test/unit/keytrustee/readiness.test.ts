import { describe, expect, it } from 'vitest';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { ktsReadinessItems } from '../../../src/profiles/keytrustee/readiness.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

/** dr check's keytrustee item scored from what psql answers on each host (the e2e reads a real pair). */

const host = (name: string, roles: string[]): InventoryHost => ({ name, address: `${name}.example.com`, roles, vars: {} }) as unknown as InventoryHost;
const inv = (hosts: InventoryHost[]): Inventory => ({ file: 'kts.yaml', cluster: 'kts', profile: 'keytrustee', vars: {}, secrets: {}, hosts, groups: {} }) as unknown as Inventory;
const pair = inv([host('kts1', ['active']), host('kts2', ['passive'])]);

function hosts(answers: { recovery: string; replication: string; active: string; passive: string; slot?: string; slotOnActive?: string }) {
  const answer = (side: 'active' | 'passive') => (c: string) => {
    if (answers.slot !== undefined && c.includes('primary_slot_name')) return { stdout: `${answers.slot}\n` };
    if (answers.slotOnActive !== undefined && c.includes('FROM pg_replication_slots')) return { stdout: `${answers.slotOnActive}\n` };
    if (c.includes('pg_is_in_recovery')) return { stdout: `${answers.recovery}\n` };
    if (c.includes('pg_stat_replication')) return { stdout: `${answers.replication}\n` };
    if (c.includes('FROM deposits')) return { stdout: `${answers[side]}\n` };
    return { code: 1, stderr: 'unexpected' };
  };
  const a = scriptedHost('kts1', answer('active'));
  const p = scriptedHost('kts2', answer('passive'));
  return { connect: async (h: string) => (h === 'kts1' ? a.remote : p.remote), commands: () => [...a.commands, ...p.commands] };
}

describe('keytrustee dr check: the pair in sync', () => {
  it('passes when the passive is in recovery, streaming with lag 0 and the deposits match; reads only', async () => {
    const h = hosts({ recovery: 't', replication: 'streaming 0', active: '2000 2000 abc', passive: '2000 2000 abc' });
    expect(await ktsReadinessItems(pair, h.connect, 0)).toEqual([
      { id: 'kts-pair-in-sync', title: expect.any(String), status: 'pass', why: 'kts2 in recovery, streaming from kts1 with lag 0; 2000 deposits identical (digest abc)' },
    ]);
    expect(h.commands().some((c) => /INSERT|DELETE|UPDATE/i.test(c))).toBe(false);
  });

  it('fails naming each problem: replay lag, differing deposits, no standby, a passive out of recovery', async () => {
    const lag = await ktsReadinessItems(pair, hosts({ recovery: 't', replication: 'streaming 4096', active: '2001 2001 abd', passive: '2000 2000 abc' }).connect, 0);
    expect(lag[0]).toMatchObject({ status: 'fail', why: "kts1's standby: streaming, 4096 bytes not replayed; deposits differ: kts1 2001 (digest abd), kts2 2000 (digest abc)" });
    const none = await ktsReadinessItems(pair, hosts({ recovery: 'f', replication: 'none', active: '1 1 x', passive: '1 1 x' }).connect, 0);
    expect(none[0]).toMatchObject({ status: 'fail', why: 'kts2 is not in recovery (not a standby of kts1); kts1 has no standby connected (pg_stat_replication is empty)' });
  });

  it('a passive that streams through a slot the active lost is told apart from one that is down', async () => {
    const gone = await ktsReadinessItems(pair, hosts({ recovery: 't', replication: 'none', active: '1 1 x', passive: '1 1 x', slot: 'kts_passive', slotOnActive: '0' }).connect, 0);
    expect(gone[0]).toMatchObject({ status: 'fail', why: "kts1 has no standby connected (pg_stat_replication is empty): kts2 streams through replication slot kts_passive, which kts1 does not have (create it on kts1: SELECT pg_create_physical_replication_slot('kts_passive'), or run passive-loss with the inventory var replication_slot: kts_passive)" });
    const there = await ktsReadinessItems(pair, hosts({ recovery: 't', replication: 'none', active: '1 1 x', passive: '1 1 x', slot: 'kts_passive', slotOnActive: '1' }).connect, 0);
    expect(there[0]!.why).toBe('kts1 has no standby connected (pg_stat_replication is empty)');
  });

  it('an inventory without exactly one active and one passive fails the item, saying so', async () => {
    const items = await ktsReadinessItems(inv([host('kts1', ['active'])]), async () => { throw new Error('not reached'); }, 0);
    expect(items[0]).toMatchObject({ status: 'fail', why: expect.stringContaining('needs exactly one host with role active and one with role passive') });
  });
});
