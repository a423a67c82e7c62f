import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastPassedRehearsal } from '../../src/dr/gather.ts';

const state = mkdtempSync(join(tmpdir(), 'lb-dr-rehearsal-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function report(dir: string, r: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rehearsal.json'), JSON.stringify(r));
}

describe('the last passed rehearsal for dr check', () => {
  it('is the newest passed one, in a run directory or a rehearsal directory, with the steps summed as its recovery time', async () => {
    expect(await lastPassedRehearsal(state)).toBeUndefined();
    report(join(state, 'runs', 'r1'), { ok: true, scenario: 'data-loss', finished: '2026-11-29T10:00:00Z', timings: { steps: [{ durationMs: 1000 }, { durationMs: 60_000 }] } });
    report(join(state, 'runs', 'r2'), { ok: false, scenario: 'server-loss', finished: '2026-11-30T10:00:00Z' });
    report(join(state, 'rehearsals', 'lab1'), { ok: true, scenario: 'ca-replica-rebuild', finished: '2026-11-28T10:00:00Z' });
    mkdirSync(join(state, 'runs', 'plain-run'));
    expect(await lastPassedRehearsal(state)).toEqual({ scenario: 'data-loss', finished: '2026-11-29T10:00:00Z', recoveryMs: 61_000 });
  });
});
