import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPlainReporter } from '../../../src/report/plain.ts';
import { forgetSecretsForTests, registerSecret } from '../../../src/util/secrets.ts';
import { SECRET, sink, syntheticRun } from './fixtures.ts';

describe('plain reporter', () => {
  beforeEach(() => registerSecret(SECRET));
  afterEach(() => forgetSecretsForTests());

  function runAll() {
    const out = sink();
    const r = createPlainReporter(out.stream);
    for (const e of syntheticRun()) r.onEvent(e);
    r.finish({ runId: 'r1', runDir: '/tmp/state/runs/r1', status: 'failed', exitCode: 1, failed: { step: 1, host: 'ds2', error: `bad ${SECRET}` }, next: 'lifeboat resume r1' });
    return out;
  }

  it('prints one greppable line per host result: time [n/total] step  host  status  (duration)', () => {
    const lines = runAll().lines();
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d \[2\/7\] Disable every agreement  ds1  changed  \(0\.4s\)  3 agreements disabled$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d \[2\/7\] Disable every agreement  step failed  \(1\.2s\)$/));
  });

  it('prints failures with the host and the masked error on one line', () => {
    const out = runAll();
    const failure = out.lines().find((l) => l.includes('ds2  failed'));
    expect(failure).toMatch(/ds2  failed  \(1\.2s\)  error: ldapmodify: bind failed for password \*\*\* \| second line$/);
    expect(out.text()).not.toContain(SECRET);
  });

  it('ends with a summary that says where the journal is and what to do next', () => {
    const lines = runAll().lines();
    const tail = lines.slice(-4);
    expect(tail[0]).toBe('Run r1 failed in 1.6s.');
    expect(tail[1]).toBe('Failed: step 2 (Disable every agreement) on ds2: bad ***');
    expect(tail[2]).toBe('Journal: /tmp/state/runs/r1');
    expect(tail[3]).toBe('Next: lifeboat resume r1');
  });

  it('does not name the host twice when a progress message starts with it', () => {
    const out = sink();
    const r = createPlainReporter(out.stream);
    const time = '2026-11-22T12:00:00Z';
    r.onEvent({ type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds4'], steps: 2, time });
    r.onEvent({ type: 'step.start', step: 1, name: 'Restore', action: 'backup.restore', hosts: ['ds4'], time });
    r.onEvent({ type: 'host.progress', step: 1, host: 'ds4', message: 'ds4: uploading, 1 MiB of 20 MiB', time });
    r.onEvent({ type: 'host.progress', step: 1, host: 'ds4', message: 'ds4 ← ds2 o=ipaca: total update running, 2 s', time });
    r.onEvent({ type: 'host.progress', step: 1, host: 'ds4', message: 'ds41 is another host', time });
    const lines = out.lines().slice(-3).map((l) => l.replace(/^\S+ \[2\/2\] Restore  /, ''));
    expect(lines).toEqual(['ds4  uploading, 1 MiB of 20 MiB', 'ds4  ← ds2 o=ipaca: total update running, 2 s', 'ds4  ds41 is another host']);
  });

  it('a host\'s error does not repeat the step and host its line already names', () => {
    const out = sink();
    const r = createPlainReporter(out.stream);
    const time = '2026-11-22T12:00:00Z';
    r.onEvent({ type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds2'], steps: 10, time });
    r.onEvent({ type: 'step.start', step: 0, name: 'Every supplier reachable or fenced', action: 'replication.fence', hosts: ['ds2'], time });
    r.onEvent({ type: 'host.done', step: 0, host: 'ds2', status: 'failed', error: 'step 1 "Every supplier reachable or fenced" on ds2: ds3 is unreachable and not fenced', durationMs: 100, time });
    expect(out.lines().at(-1)).toMatch(/ \[1\/10\] Every supplier reachable or fenced  ds2  failed  \(0\.1s\)  error: ds3 is unreachable and not fenced$/);
  });

  it('says it is connecting before step 1 (a host that does not answer can take a while)', () => {
    const out = sink();
    const r = createPlainReporter(out.stream);
    r.onEvent({ type: 'run.connect', hosts: ['ds1', 'ds2', 'ds3'], time: '2026-11-22T12:00:00Z' });
    expect(out.lines()[0]).toMatch(/^\d\d:\d\d:\d\d connecting to 3 host\(s\), checking their host keys before any command$/);
  });

  it('writes exactly one line per event before the summary', () => {
    const out = sink();
    const r = createPlainReporter(out.stream);
    const events = syntheticRun();
    for (const e of events) r.onEvent(e);
    expect(out.lines()).toHaveLength(events.length);
  });
});
