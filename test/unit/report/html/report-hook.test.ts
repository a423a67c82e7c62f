/** The report is written when a run ends and rewritten when it is resumed (real in-process SSH servers). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeRun, startRun } from '../../../../src/engine/index.ts';
import { startCluster, type TestCluster } from '../../engine/cluster.ts';

let c: TestCluster;
beforeAll(async () => { c = await startCluster(2); });
afterAll(async () => c?.close());

describe('report.html at the end of every run and resume', () => {
  it('a failed run leaves a report saying how to resume; the resume rewrites it as done', async () => {
    const pb = c.playbook('report-hook', `name: report-hook
steps:
  - name: first
    on: all
    do: shell
    with: { command: "echo first" }
  - name: needs marker
    on: all
    do: shell
    with: { command: "test -f report-marker" }
`);
    const out = await startRun(c.opts(pb));
    expect(out.status).toBe('failed');
    expect(out.report).toBe(join(out.runDir, 'report.html'));
    const failed = readFileSync(out.report!, 'utf8');
    expect(failed).toContain('<span class="status status-failed">failed</span>');
    expect(failed).toContain(`lifeboat resume ${out.runId}`);
    expect(failed.match(/<g class="host[^"]*" data-host=/g)).toHaveLength(2);
    expect(failed).toMatch(/<g class="unit[^"]* status-failed" data-step="1" data-host="ds1">/);

    for (const h of c.names) writeFileSync(join(c.server(h).dir, 'report-marker'), '');
    const again = await resumeRun(out.runId, c.opts(pb));
    expect(again.status).toBe('done');
    const done = readFileSync(join(out.runDir, 'report.html'), 'utf8');
    expect(done).toContain('<span class="status status-done">done</span>');
    expect(done).toContain('<g class="step" data-step="1">');
    // Step 1 ran in the first session: the resume does not replace its real duration with 0 s.
    expect(done).toMatch(/<tr data-step="0"><td class="num">1<\/td><td>first<\/td><td><code>shell<\/code><\/td><td class="">ok<\/td>/);
    expect(done).not.toContain('done in an earlier session');
  });
});
