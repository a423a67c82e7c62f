import { describe, expect, it } from 'vitest';
import { summaryLines } from '../../../src/report/summary.ts';

describe('summary', () => {
  it('does not repeat where a failure happened when the error already says it', () => {
    const lines = summaryLines({ runId: 'r', runDir: '/d', status: 'failed', exitCode: 1, failed: { step: 2, host: 'ds3', error: 'step 3 "X" on ds3: exit 3' } }, 1500, 'X');
    expect(lines[1]).toBe('Failed: step 3 "X" on ds3: exit 3');
  });
  it('suggests resume when a run did not finish and the engine gave no hint', () => {
    expect(summaryLines({ runId: 'r9', runDir: '', status: 'interrupted', exitCode: 3 })).toEqual(['Run r9 interrupted.', 'Next: lifeboat resume r9']);
  });
  it('names the HTML report after the journal when the run wrote one', () => {
    const lines = summaryLines({ runId: 'r', runDir: '/s/runs/r', status: 'done', exitCode: 0, report: '/s/runs/r/report.html' }, 1500);
    expect(lines).toEqual(['Run r done in 1.5s.', 'Journal: /s/runs/r', 'Report: /s/runs/r/report.html']);
  });
});
