import { describe, expect, it } from 'vitest';
import { parseMeasured } from '../../../bench/measured.ts';
import { yardsticks } from '../../../bench/pipeline-yardstick.ts';
import { reapedCpuSeconds } from '../../../bench/reaped-cpu.ts';

describe('P3 bench arithmetic', () => {
  it('takes the last RSS line of /usr/bin/time and the child JSON', () => {
    const stderr = 'child says RSS_KB=1\nRSS_KB=999\nwarning\nRSS_KB=262144\n';
    expect(parseMeasured<{ ms: number }>('{"ms":12.5}\n', stderr)).toEqual({ rssMiB: 256, inner: { ms: 12.5 } });
    expect(parseMeasured('', 'RSS_KB=1024\n')).toEqual({ rssMiB: 1 });
    expect(() => parseMeasured('{}', 'killed\n')).toThrow(/no peak RSS/);
  });

  it('bounds a pipeline by its slower stage when the cores can run both stages', () => {
    // 1 GB; stages 5 s and 4 s of wall, 3 + 2 s CPU on 2 cores: 2.5 s < 5 s, the slower stage sets the bound.
    const y = yardsticks(1e9, { ms: 5000, cpuS: 3 }, { ms: 4000, cpuS: 2 }, 6250, 2);
    expect(y.cpuLimited).toBe(false);
    expect(y.vsSlowerStage).toBeCloseTo(0.8);
    expect(y.vsCpuBound).toBeCloseTo(0.8);
    expect(y.boundMBps).toBeCloseTo(200);
  });

  it('bounds a pipeline by the stages CPU over the cores when that is longer', () => {
    // stages 5 s and 4 s, each ~fully busy on 1.5 cores (7.5 + 6 s CPU): 13.5 / 2 = 6.75 s at best.
    const y = yardsticks(1e9, { ms: 5000, cpuS: 7.5 }, { ms: 4000, cpuS: 6 }, 7500, 2);
    expect(y.cpuLimited).toBe(true);
    expect(y.vsSlowerStage).toBeCloseTo(5000 / 7500);
    expect(y.vsCpuBound).toBeCloseTo(6750 / 7500);
    expect(y.boundMBps).toBeCloseTo(1000 / 6.75);
    expect(() => yardsticks(1, { ms: 1, cpuS: 1 }, { ms: 1, cpuS: 1 }, 0, 2)).toThrow(/bad pipeline time/);
  });

  it("reads cutime + cstime from /proc/<pid>/stat, even with spaces and parentheses in the name", () => {
    const stat = '4242 (sshd: a (b) c) S 1 4242 4242 0 -1 4194560 10 20 0 0 7 3 1321 282 20 0 1 0 2139395 5255168 946';
    expect(reapedCpuSeconds(stat)).toBeCloseTo(16.03);
    expect(() => reapedCpuSeconds('garbage')).toThrow(/not a/);
  });
});
