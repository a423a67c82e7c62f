import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { LiveView } from '../../../src/report/ink/live-view.tsx';
import { initialViewState, reduceView, type ViewState } from '../../../src/report/view-state.ts';
import { eventually, syntheticRun } from './fixtures.ts';
import type { RunEvent } from '../../../src/engine/events.ts';

const START = Date.parse('2026-11-22T12:00:00Z');
const fold = (events: RunEvent[]): ViewState => events.reduce(reduceView, initialViewState);
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('live view', () => {
  it('shows the current step with a line per host: spinner + progress + elapsed while running, ✔ when done', async () => {
    const events = syntheticRun(START).slice(0, 6); // ds1 done, ds2 still running
    const { lastFrame, unmount } = render(<LiveView state={fold(events)} now={() => START + 3100} />);
    await eventually(() => expect(lastFrame()).toContain('[2/7] Disable every agreement'));
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/✔ ds1\s+changed 0\.4s 3 agreements disabled/);
    expect(frame).toMatch(/ds2\s+3s/); // running: whole seconds since host.start
    unmount();
  });

  it('moves finished steps above and ends with the summary', async () => {
    const state = fold(syntheticRun(START));
    const { lastFrame, frames, rerender, unmount } = render(<LiveView state={state} now={() => START} />);
    rerender(<LiveView state={{ ...state, outcome: { runId: 'r1', runDir: '/s/r1', status: 'failed', exitCode: 1, failed: { step: 1, host: 'ds2', error: 'boom' }, next: 'lifeboat resume r1' } }} now={() => START} />);
    await eventually(() => expect(lastFrame()).toContain('Next: lifeboat resume r1'));
    const all = frames.join('\n');
    expect(all).toMatch(/✖ \[2\/7\] Disable every agreement 1\.2s\s+1 changed, 1 failed/);
    expect(all).toContain('ds2: ldapmodify: bind failed');
    expect(all).toContain('↩ ds1 undo replication.enable');
    const frame = lastFrame() ?? '';
    expect(frame).toContain('Run r1 failed in 1.6s.');
    expect(frame).toContain('Failed: step 2 (Disable every agreement) on ds2: boom');
    expect(frame).toContain('Next: lifeboat resume r1');
    unmount();
  });

  it('a finished one-host step says what the host did, not "1 ok"; a step on several hosts keeps the tally', async () => {
    const t = (ms: number) => new Date(START + ms).toISOString();
    const state = fold([
      { type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds2'], steps: 10, time: t(0) },
      { type: 'step.start', step: 9, name: 'Prove convergence', action: 'verify.converged', hosts: ['ds2'], time: t(0) },
      { type: 'host.start', step: 9, host: 'ds2', time: t(0) },
      { type: 'host.done', step: 9, host: 'ds2', status: 'ok', summary: 'converged: dc=lab,dc=test on 4 hosts', durationMs: 2600, time: t(2600) },
      { type: 'step.done', step: 9, name: 'Prove convergence', status: 'ok', durationMs: 2600, time: t(2600) },
    ]);
    const { lastFrame, unmount } = render(<LiveView state={state} now={() => START + 3000} />);
    await eventually(() => expect(lastFrame()).toMatch(/✔ \[10\/10\] Prove convergence 2\.6s\s+converged: dc=lab,dc=test on 4 hosts/));
    expect(lastFrame()).not.toContain('1 ok');
    unmount();
    const many = render(<LiveView state={fold(syntheticRun(START))} now={() => START} />);
    await eventually(() => expect(many.lastFrame()).toMatch(/\[2\/7\] Disable every agreement 1\.2s\s+1 changed, 1 failed/));
    many.unmount();
  });

  it('a failed host under its finished step shows the error without the step and host said again', async () => {
    const t = (ms: number) => new Date(START + ms).toISOString();
    const state = fold([
      { type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds2'], steps: 10, time: t(0) },
      { type: 'step.start', step: 0, name: 'Every supplier reachable or fenced', action: 'replication.fence', hosts: ['ds2'], time: t(0) },
      { type: 'host.start', step: 0, host: 'ds2', time: t(0) },
      { type: 'host.done', step: 0, host: 'ds2', status: 'failed', error: 'step 1 "Every supplier reachable or fenced" on ds2: ds3 is unreachable and not fenced', durationMs: 100, time: t(100) },
      { type: 'step.done', step: 0, name: 'Every supplier reachable or fenced', status: 'failed', durationMs: 100, time: t(100) },
    ]);
    const { lastFrame, unmount } = render(<LiveView state={state} now={() => START + 200} />);
    await eventually(() => expect(lastFrame()).toContain('ds2: ds3 is unreachable and not fenced'));
    expect(lastFrame()).not.toContain('ds2: step 1');
    unmount();
  });

  it('while connecting before step 1, shows a spinner line with the seconds waited, gone once the summary arrives', async () => {
    const t = (ms: number) => new Date(START + ms).toISOString();
    const connecting = fold([
      { type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds2', 'ds3'], steps: 7, time: t(0) },
      { type: 'run.connect', hosts: ['ds1', 'ds2', 'ds3'], time: t(0) },
    ]);
    const { lastFrame, rerender, unmount } = render(<LiveView state={connecting} now={() => START + 12_400} />);
    await eventually(() => expect(lastFrame()).toMatch(/connecting to 3 host\(s\), checking their host keys 12s/));
    const after = reduceView(connecting, { type: 'run.summary', lines: ['About to run data-loss'], time: t(12_500) });
    expect(after.connecting).toBeUndefined();
    rerender(<LiveView state={after} now={() => START + 12_600} />);
    await eventually(() => expect(lastFrame()).toContain('About to run data-loss'));
    expect(lastFrame()).not.toContain('connecting to');
    unmount();
  });

  it('asks a confirmation question and answers on y', async () => {
    const answers: boolean[] = [];
    const state: ViewState = { ...initialViewState, question: 'Restore ds1 from backup?' };
    const { lastFrame, stdin, unmount } = render(<LiveView state={state} onAnswer={(y) => answers.push(y)} />);
    await eventually(() => expect(lastFrame()).toContain('? Restore ds1 from backup? (y/N)'));
    // ink attaches its input listener after the frame is drawn: type until it is heard.
    for (let i = 0; i < 50 && answers.length === 0; i++) {
      stdin.write('y');
      await settle();
    }
    expect(answers[0]).toBe(true);
    unmount();
  });
});

describe('view state', () => {
  it('ignores host events of a step that is not current and keeps the log append-only', () => {
    const events = syntheticRun(START);
    const s1 = fold(events.slice(0, 7));
    const s2 = reduceView(s1, { type: 'host.done', step: 5, host: 'ds1', status: 'ok', durationMs: 1, time: new Date(START).toISOString() });
    expect(s2).toBe(s1);
    const s3 = reduceView(s1, events[7]!);
    expect(s3.log.slice(0, s1.log.length)).toEqual(s1.log);
    expect(s3.current).toBeUndefined();
  });
});
