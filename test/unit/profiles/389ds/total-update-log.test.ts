import { describe, expect, it } from 'vitest';
import { errorsLogTimeMs, parseTotalUpdateLog } from '../../../../src/profiles/389ds/rehearse/total-update-log.ts';

// Lines as 389-ds 2.x writes them (copied from a lab supplier's errors log, agreements renamed).
const LOG = [
  '[01/Dec/2026:02:29:05.636100607 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Beginning total update of replica "agmt="cn=a-to-b" (b:389)".',
  '[01/Dec/2026:02:29:05.735607744 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Beginning total update of replica "agmt="cn=a-to-c" (c:389)".',
  '[01/Dec/2026:02:29:05.846122917 +0000] - ERR - NSMMReplicationPlugin - check_flow_control_tot_init - agmt="cn=a-to-c" (c:389) -  Total update flow control gives time (100 msec)',
  '[01/Dec/2026:02:29:08.205978090 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Finished total update of replica "agmt="cn=a-to-b" (b:389)". Sent 1 entries.',
  '[01/Dec/2026:02:29:10.563715311 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Finished total update of replica "agmt="cn=a-to-c" (c:389)". Sent 10002 entries.',
  // A later, separate total update: the gap between them is not counted.
  '[01/Dec/2026:02:29:20.000000000 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Beginning total update of replica "agmt="cn=a-to-b" (b:389)".',
  '[01/Dec/2026:02:29:21.500000000 +0000] - INFO - NSMMReplicationPlugin - repl5_tot_run - Finished total update of replica "agmt="cn=a-to-b" (b:389)". Sent 10002 entries.',
].join('\n');

describe('the supplier errors log of total updates', () => {
  it('reads the server clock to below the millisecond, with its offset', () => {
    expect(errorsLogTimeMs('01/Dec/2026:02:29:05.636100607 +0000')).toBeCloseTo(Date.UTC(2026, 11, 1, 2, 29, 5) + 636.100607, 3);
    expect(errorsLogTimeMs('01/Dec/2026:03:29:05 +0100')).toBe(Date.UTC(2026, 11, 1, 2, 29, 5));
    expect(errorsLogTimeMs('not a stamp')).toBeUndefined();
  });

  it('counts the time any total update ran, once, and not the gaps between them', () => {
    const s = parseTotalUpdateLog(LOG);
    expect(s.events.map((e) => `${e.kind} ${e.agreement}${e.entries === undefined ? '' : ` ${e.entries}`}`)).toEqual([
      'begin a-to-b',
      'begin a-to-c',
      'finish a-to-b 1',
      'finish a-to-c 10002',
      'begin a-to-b',
      'finish a-to-b 10002',
    ]);
    // 05.636 → 10.564 (two overlapping), then 20.0 → 21.5.
    expect(s.unionMs).toBeCloseTo(4927.614704 + 1500, 3);
    expect(s.spanMs).toBeCloseTo(21500 - 5636.100607, 3);
  });

  it('gives no figure when a total update has not finished (the log was read too early)', () => {
    const s = parseTotalUpdateLog(LOG.split('\n').slice(0, 4).join('\n'));
    expect(s.events).toHaveLength(3);
    expect(s.unionMs).toBeUndefined();
  });
});
