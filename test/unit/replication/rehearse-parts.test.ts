import { describe, expect, it } from 'vitest';
import { caSurvivors, NO_CA_SURVIVES } from '../../../src/profiles/389ds/actions/replication/ca-survivors.ts';
import { isDamaged, isRestored, planDamage } from '../../../src/profiles/389ds/rehearse/data-loss-damage.ts';
import { uniqueLabName } from '../../../src/rehearse/lab-name.ts';
import { rehearse } from '../../../src/profiles/389ds/rehearse/rehearse.ts';
import { labRoles } from '../../../src/profiles/389ds/lab/inventory-file.ts';
import { reportMarkdown, type RehearsalReport } from '../../../src/rehearse/report-files.ts';
import { longestInitChainMs, unionMs } from '../../../src/rehearse/run-timings.ts';
import { context, labInventory } from './fakes.ts';

describe('rehearsal pieces', () => {
  it('server-loss needs a host without the CA: 4 lab hosts (ds3 has none), refused on 3 before any lab is built', async () => {
    expect(labRoles(3, 3)).toContain('ca');
    expect(labRoles(3, 4)).toEqual([]);
    await expect(rehearse({ scenario: 'server-loss', hosts: 3 } as Parameters<typeof rehearse>[0])).rejects.toThrow('server-loss needs at least 4 hosts');
  });


  it('damages two hosts other than the master, one delete and one modify', () => {
    const p = planDamage({ suffix: 'dc=lab,dc=test', instance: 'lab', hosts: ['ds1', 'ds2', 'ds3', 'ds4'], master: 'ds2', tag: 't' });
    expect(Object.keys(p.added)).toEqual(['ds1', 'ds3']);
    expect(p.deleted.host).not.toBe('ds2');
    expect(p.modified.host).toBe('ds4');
    const restored = { host: 'ds1', addedPresent: [], deletedPresent: true, modifiedValue: 'User1' };
    expect(isRestored(p, restored)).toBe(true);
    expect(isDamaged(p, restored)).toBe(false);
    expect(isDamaged(p, { host: 'ds1', addedPresent: Object.values(p.added), deletedPresent: false, modifiedValue: p.modified.after })).toBe(true);
  });

  it('counts overlapping re-inits once', () => {
    expect(unionMs([{ startMs: 0, endMs: 10 }, { startMs: 5, endMs: 12 }, { startMs: 20, endMs: 25 }])).toBe(17);
    expect(unionMs([])).toBe(0);
  });

  it('adds re-init durations along a chain (a replica feeding the next), suffixes of one host side by side', () => {
    const i = (supplier: string, consumer: string, ms: number, suffix = 'dc=lab,dc=test') => ({ supplier, consumer, suffix, startMs: 0, endMs: ms });
    // Parallel from the master: the longest single total update (a host's two suffixes at once).
    expect(longestInitChainMs([i('ds1', 'ds2', 9), i('ds1', 'ds2', 12, 'o=ipaca'), i('ds1', 'ds3', 10), i('ds1', 'ds4', 8)])).toBe(12);
    // Per suffix: ds3's o=ipaca from ds2 waits for ds2's o=ipaca only.
    expect(longestInitChainMs([i('ds1', 'ds2', 9), i('ds1', 'ds2', 2, 'o=ipaca'), i('ds2', 'ds3', 3, 'o=ipaca')])).toBe(9);
    // Chained: ds3 waits for ds2, which was fed by ds1.
    expect(longestInitChainMs([i('ds1', 'ds2', 9), i('ds2', 'ds3', 7), i('ds1', 'ds4', 8)])).toBe(16);
    expect(longestInitChainMs([])).toBe(0);
  });

  it('makes lab names the lab accepts', () => {
    for (let i = 0; i < 50; i++) expect(uniqueLabName()).toMatch(/^[a-z][a-z0-9]{0,8}$/);
  });

  it('writes a markdown report with phases, checks and re-init timings', () => {
    const r: RehearsalReport = {
      scenario: 'data-loss', lab: 'rhx', hosts: 4, entries: 1000, started: 's', finished: 'f', ok: false, kept: false, inventoryFile: '/x',
      phases: [{ name: 'playbook data-loss', ms: 40_000, ok: true }],
      checks: [{ name: 'same entries', ok: false, detail: 'ds3 vs ds2: 1 missing' }],
      timings: { steps: [{ index: 6, name: 'Re-initialize', action: 'replication.reinit', durationMs: 8000 }], inits: [{ supplier: 'ds2', consumer: 'ds3', suffix: 'dc=lab,dc=test', startMs: 0, endMs: 3000 }], reinitServerMs: 3000, restoreMs: 18000 },
    };
    const md = reportMarkdown(r);
    expect(md).toContain('# Rehearsal: data-loss — FAILED');
    expect(md).toContain('| playbook data-loss | 40.0 s | yes |');
    expect(md).toContain('- ✘ same entries: ds3 vs ds2: 1 missing');
    expect(md).toContain('- ds2 → ds3 (dc=lab,dc=test): 3.0 s');
  });
});

describe('ca.survivors', () => {
  const inv = labInventory(4, { ds1: ['ca'], ds2: ['ca'] });
  const serving = (dead: string[]) => (c: { host: string }) => (dead.includes(c.host) ? new Promise<never>(() => {}) : { stdout: 'dn: o=ipaca\n' });

  it('refuses when no CA host survives, quoting seed 002', async () => {
    const { ctx } = context(inv, 'ds1', { lost: 'ds1', connect_timeout_s: 0.1 }, serving(['ds2']));
    await expect(caSurvivors.run(ctx)).rejects.toThrow(NO_CA_SURVIVES);
  });

  it('warns when fewer than three CA hosts remain and picks a surviving source', async () => {
    const { ctx, events } = context(inv, 'ds1', { lost: 'ds1', connect_timeout_s: 0.1 }, serving([]));
    const r = await caSurvivors.run(ctx);
    expect(r.facts).toEqual({ ca_source: 'ds2', ca_alive: ['ds2'] });
    expect(events.map((e) => e.message)).toEqual([expect.stringContaining('only 2 CA host(s) will remain')]);
    const wrong = context(inv, 'ds1', { lost: 'ds1', from: 'ds3', connect_timeout_s: 0.1 }, serving([]));
    await expect(caSurvivors.run(wrong.ctx)).rejects.toThrow('from: ds3 is not a surviving CA host (surviving: ds2)');
  });
});
