import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReporter, chooseReportMode } from '../../../src/report/index.ts';
import { forgetSecretsForTests, registerSecret } from '../../../src/util/secrets.ts';
import { SECRET, sink, syntheticRun } from './fixtures.ts';

describe('json reporter', () => {
  beforeEach(() => registerSecret(SECRET));
  afterEach(() => forgetSecretsForTests());

  it('writes one parseable JSON object per line, masked, ending with the outcome', () => {
    const out = sink();
    const r = createReporter('json', out.stream);
    const events = syntheticRun();
    for (const e of events) r.onEvent(e);
    r.finish({ runId: 'r1', runDir: '/x', status: 'failed', exitCode: 1 });
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe(''); // trailing newline, nothing after it
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(events.length + 1);
    expect(parsed.map((p) => p.type)).toEqual([...events.map((e) => e.type), 'run.outcome']);
    expect(parsed.at(-1)).toMatchObject({ type: 'run.outcome', runId: 'r1', exitCode: 1 });
    expect(out.text()).not.toContain(SECRET);
    expect(out.text()).toContain('***');
  });
});

describe('report mode', () => {
  it('prefers --json, then --plain, then ink on a TTY', () => {
    expect(chooseReportMode({ json: true, plain: true }, true)).toBe('json');
    expect(chooseReportMode({ plain: true }, true)).toBe('plain');
    expect(chooseReportMode({}, true)).toBe('ink');
    expect(chooseReportMode({}, false)).toBe('plain');
  });
});
