/** Journal, resume, interrupt + undo and the inventory lock, against real in-process SSH servers. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuns, resumeRun, startRun } from '../../../src/engine/index.ts';
import { lockFileFor } from '../../../src/engine/lock.ts';
import { LockHeldError } from '../../../src/util/errors.ts';
import { count, startCluster, type TestCluster } from './cluster.ts';

let c: TestCluster;
beforeAll(async () => { c = await startCluster(3); });
afterAll(async () => c?.close()); // c is unset when beforeAll failed: report that failure once

const journal = (runDir: string) => readFileSync(join(runDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** Runs a playbook and presses "Ctrl-C" as soon as the first host of step `step` starts. */
async function runInterruptedAt(pb: string, step: number) {
  const ac = new AbortController();
  const o = c.opts(pb, { signal: ac.signal });
  const inner = o.onEvent;
  o.onEvent = (e) => {
    inner(e);
    if (e.type === 'host.start' && e.step === step) ac.abort();
  };
  return { o, out: await startRun(o) };
}

describe('failure and resume', () => {
  it('stops at the first failure and resume finishes without re-running completed work', async () => {
    const pb = c.playbook('resume', `name: resume
steps:
  - name: first
    on: all
    do: shell
    with: { command: "echo first-{{ host }}" }
    register: first
  - name: needs marker
    on: all
    do: shell
    with: { command: "echo second-try; test -f resume-marker" }
  - name: last
    on: all
    do: shell
    with: { command: "echo last-{{ first[host].stdout }}" }
`);
    const out = await startRun(c.opts(pb));
    expect(out).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(out.failed!.step).toBe(1);
    expect(out.next).toContain(`lifeboat resume ${out.runId}`);
    expect(c.names.map((h) => count(c, h, 'echo last-'))).toEqual([0, 0, 0]);

    for (const h of c.names) writeFileSync(join(c.server(h).dir, 'resume-marker'), '');
    const o = c.opts(pb);
    const again = await resumeRun(out.runId, o);
    expect(again).toMatchObject({ runId: out.runId, status: 'done', exitCode: 0 });
    // Step 1 ran once per host; step 2 twice (failed, then resumed); step 3 saw step 1's registered output.
    expect(c.names.map((h) => count(c, h, 'echo first-'))).toEqual([1, 1, 1]);
    expect(c.names.map((h) => count(c, h, 'second-try'))).toEqual([2, 2, 2]);
    for (const h of c.names) expect(count(c, h, `echo last-first-${h}`)).toBe(1);

    const lines = journal(out.runDir);
    expect(lines.filter((l) => l.type === 'run.start')).toHaveLength(2);
    const unit = lines.find((l) => l.type === 'host.done' && l.step === 0 && l.host === 'ds1')!;
    expect(unit).toMatchObject({ status: 'changed', changed: true, register: 'first', output: { code: 0, stdout: 'first-ds1\n' } });
    expect((unit.commands as { command: string; code: number }[])[0]).toMatchObject({ command: 'echo first-ds1', code: 0 });
    const runs = await listRuns(c.stateDir);
    expect(runs.find((r) => r.runId === out.runId)).toMatchObject({ status: 'done', playbook: pb, inventory: resolve(c.inventory) });
    await expect(resumeRun(out.runId, c.opts(pb))).rejects.toThrow(/already finished/);
  });
});

describe('confirmation on resume', () => {
  it('an unattended resume is not refused for a confirmed step that already completed', async () => {
    const pb = c.playbook('confirm-resume', `name: confirm-resume
steps:
  - name: destructive
    on: ds1
    confirm: true
    do: shell
    with: { command: "echo confirmed-step" }
  - name: gate
    on: ds1
    do: shell
    with: { command: "test -f confirm-gate" }
`);
    const out = await startRun(c.opts(pb, { yes: true }));
    expect(out.status).toBe('failed');
    writeFileSync(join(c.server('ds1').dir, 'confirm-gate'), '');
    const again = await resumeRun(out.runId, c.opts(pb, { yes: false }));
    expect(again.status).toBe('done');
    expect(count(c, 'ds1', 'confirmed-step')).toBe(1);
  });

  it('a resume past every destructive step does not ask the playbook\'s question again, and says how much is left', async () => {
    const pb = c.playbook('confirm-resume-past', `name: past
confirm: "Restore ds1 from the backup? Every later change is lost."
steps:
  - name: restore
    on: ds1
    do: shell
    with: { command: "echo restored-step" }
  - name: gate
    on: ds1
    do: shell
    with: { command: "test -f past-gate" }
`);
    const out = await startRun(c.opts(pb, { yes: true }));
    expect(out.status).toBe('failed');
    writeFileSync(join(c.server('ds1').dir, 'past-gate'), '');
    const asked: string[] = [];
    const o = c.opts(pb, { yes: false, confirm: async (q) => (asked.push(q), true) });
    const again = await resumeRun(out.runId, o);
    expect(again.status).toBe('done');
    expect(asked).toEqual([]);
    const summary = o.events.find((e) => e.type === 'run.summary') as { lines: string[]; question?: string };
    expect(summary.question).toBeUndefined();
    expect(summary.lines[0]).toBe('About to finish past: 1 of 2 step(s) left (the others are done) on 3 host(s) (ds1, ds2, ds3)');
  });
});

describe('interrupt', () => {
  it('lets running hosts finish, starts nothing new, undoes completed changes newest first', async () => {
    const pb = c.playbook('undo', `name: undo
steps:
  - name: disable
    on: all
    do: shell
    with: { command: "touch disabled-flag; echo disable-{{ host }}" }
    undo: { do: shell, with: { command: "rm disabled-flag; echo undo-{{ host }}" } }
  - name: slow
    on: all
    concurrency: 1
    do: shell
    with: { command: "sleep 0.4; echo slow-{{ host }}" }
  - name: never
    on: all
    do: shell
    with: { command: "echo never" }
`);
    const { o, out } = await runInterruptedAt(pb, 1);
    expect(out).toMatchObject({ status: 'interrupted', exitCode: 3 });
    expect(out.next).toContain(`lifeboat resume ${out.runId}`);
    // The operator is told what was put back, with the count.
    expect(out.next).toMatch(/^the run was interrupted; 3 completed change\(s\) were put back;/);
    // The host in flight finished; the others of that step never started; step 3 never ran.
    expect(c.names.map((h) => count(c, h, 'echo slow-'))).toEqual([1, 0, 0]);
    expect(c.names.map((h) => count(c, h, 'echo never'))).toEqual([0, 0, 0]);
    for (const h of c.names) {
      expect(count(c, h, `echo undo-${h}`)).toBe(1);
      expect(existsSync(join(c.server(h).dir, 'disabled-flag'))).toBe(false);
    }
    const undos = o.events.filter((e) => e.type === 'undo.done');
    const doneOrder = o.events.filter((e) => e.type === 'host.done' && e.step === 0).map((e) => (e as { host: string }).host);
    expect(undos.map((e) => (e as { host: string }).host)).toEqual([...doneOrder].reverse());
    expect(undos.every((e) => e.type === 'undo.done' && e.status === 'ok')).toBe(true);

    // Resume: the undone step runs again, then everything else.
    const again = await resumeRun(out.runId, c.opts(pb));
    expect(again.status).toBe('done');
    expect(c.names.map((h) => count(c, h, 'echo disable-'))).toEqual([2, 2, 2]);
    expect(c.names.map((h) => count(c, h, 'echo slow-'))).toEqual([1, 1, 1]);
    expect(c.names.map((h) => count(c, h, 'echo never'))).toEqual([1, 1, 1]);
  });
});

describe('undo barrier', () => {
  it('an interrupt after a point of no return undoes nothing before it, also not on a later resume', async () => {
    const pb = c.playbook('barrier', `name: barrier
steps:
  - name: disable
    on: all
    do: shell
    with: { command: "touch barrier-flag; echo bdisable-{{ host }}" }
    undo: { do: shell, with: { command: "rm barrier-flag; echo bundo-{{ host }}" } }
  - name: restore
    on: ds1
    undo_barrier: true
    do: shell
    with: { command: "echo brestore" }
  - name: slow
    on: all
    concurrency: 1
    do: shell
    with: { command: "sleep 0.4; echo bslow-{{ host }}" }
  - name: gate
    on: ds1
    do: shell
    with: { command: "test -f barrier-gate" }
`);
    const { o, out } = await runInterruptedAt(pb, 2);
    expect(out).toMatchObject({ status: 'interrupted', exitCode: 3 });
    for (const h of c.names) {
      expect(count(c, h, `echo bundo-${h}`)).toBe(0);
      expect(existsSync(join(c.server(h).dir, 'barrier-flag'))).toBe(true);
    }
    expect(o.events.some((e) => e.type === 'warning' && /point of no return/.test(e.message))).toBe(true);
    expect(journal(out.runDir).some((l) => l.type === 'undo.barrier' && l.step === 1)).toBe(true);
    // Nothing was put back: the hint must not say it was, and must say how to finish.
    expect(out.next).not.toMatch(/put back/);
    expect(out.next).toBe(
      `the run was interrupted past its point of no return (step 2 "restore"): nothing was undone and the hosts are part-way through the recovery; finish it with: lifeboat resume ${out.runId} --state-dir ${c.stateDir}`,
    );
    expect(o.events.some((e) => e.type === 'warning' && /then undo/.test(e.message))).toBe(false);

    // A resume that fails later still leaves the steps before the barrier alone.
    const again = await resumeRun(out.runId, c.opts(pb));
    expect(again.status).toBe('failed');
    expect(c.names.map((h) => count(c, h, 'echo bdisable-'))).toEqual([1, 1, 1]);
    expect(c.names.map((h) => count(c, h, 'echo bundo-'))).toEqual([0, 0, 0]);
  });
});

describe('lock', () => {
  const pbText = `name: lock
steps:
  - name: one
    on: ds1
    do: shell
    with: { command: "echo locked-run" }
`;
  it('refuses a second run while a live process holds the inventory, naming its run id and pid', async () => {
    const pb = c.playbook('lock', pbText);
    const file = lockFileFor(c.inventory, c.lockDir);
    mkdirSync(c.lockDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ pid: process.pid, hostname: hostname(), runId: '20260101-000000-beef', started: 'x', inventory: c.inventory }));
    const err = await startRun(c.opts(pb)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toContain('20260101-000000-beef');
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect(count(c, 'ds1', 'locked-run')).toBe(0);
    expect(existsSync(file)).toBe(true);

    // A lock whose process is gone is stale: taken over with a warning, and released afterwards.
    const dead = spawnSync('true').pid;
    writeFileSync(file, JSON.stringify({ pid: dead, hostname: hostname(), runId: '20260101-000000-dead', started: 'x', inventory: c.inventory }));
    const o = c.opts(pb);
    const out = await startRun(o);
    expect(out.status).toBe('done');
    expect(o.events.some((e) => e.type === 'warning' && /stale lock of run 20260101-000000-dead/.test(e.message))).toBe(true);
    expect(count(c, 'ds1', 'locked-run')).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('two runs started at once: exactly one gets the lock', async () => {
    const pb = c.playbook('lock2', pbText.replace('echo locked-run', 'sleep 0.3; echo racing-run'));
    const results = await Promise.allSettled([startRun(c.opts(pb)), startRun(c.opts(pb))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(LockHeldError);
    expect(count(c, 'ds1', 'racing-run')).toBe(1);
  });
});
