import PQueue from 'p-queue';
import { getAction } from '../actions/registry.ts';
import { ActionError, type Action, type ActionResult } from '../actions/types.ts';
import type { Inventory } from '../inventory/types.ts';
import type { Playbook, Step } from '../playbook/types.ts';
import { profileInfo } from '../profiles/info.ts';
import { EXIT } from '../util/errors.ts';
import { mask, maskDeep } from '../util/secrets.ts';
import { applyArgSpec } from './args.ts';
import { attemptAction } from './attempt.ts';
import type { SecretCache } from './context.ts';
import { evalWhen, render, renderDeep } from './deps.ts';
import { runUndo, type UndoEntry, type UndoTally } from './undo.ts';
import type { RunEvent } from './events.ts';
import type { Journal } from './journal.ts';
import { nextHint, type InterruptFacts } from './next-hint.ts';
import { upFrontSummary } from './up-front.ts';
import type { CommandRecord } from './recording-host.ts';
import type { HostConnector, RunOptions, RunOutcome } from './types.ts';
import { stepHosts, stepUnits, type Unit } from './units.ts';
import { isConnectError } from '../transport/connect-error.ts';
import { hostVars, recordResult, stepVars, type RunState } from './vars.ts';

/** Registered outputs above this size are not journaled whole (a resume then lacks them). */
const MAX_JOURNAL_OUTPUT = 1 << 20;

function journalOutput(output: unknown): unknown {
  if (output === undefined) return null;
  const size = JSON.stringify(output)?.length ?? 0;
  return size > MAX_JOURNAL_OUTPUT ? { truncated: true, bytes: size } : output;
}


export const unitKey = (step: number, host: string) => `${step}:${host}`;

type UnitStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'notrun';

interface UnitOutcome {
  status: UnitStatus;
  error?: string;
}

export interface RunnerInit {
  runId: string;
  runDir: string;
  stateDir: string;
  playbook: Playbook;
  inventory: Inventory;
  state: RunState;
  opts: Pick<RunOptions, 'limit' | 'yes' | 'check' | 'concurrency' | 'confirm' | 'signal' | 'onEvent'>;
  connector: HostConnector;
  journal: Journal;
  secrets: SecretCache;
  /** Units a previous session of this run completed (resume): they are not run again. */
  completed: Set<string>;
  undo: UndoEntry[];
  /** Steps every unit of which finished in an earlier session (resume): left out of the summary. */
  doneSteps?: Set<number>;
}

const now = () => new Date().toISOString();
/** Waits for `p`, or less when `signal` aborts first (Ctrl-C while connecting or between retries). */
function untilAborted(p: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<void>((res) => (onAbort = res));
  signal.addEventListener('abort', onAbort, { once: true });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
const errText = (err: unknown) => mask(err instanceof Error ? err.message : String(err));

/** Carries out a playbook's steps in order: the executor, with stop, interrupt and undo. */
export class Runner {
  private interrupted = false;
  private stopping = false;
  private firstFailure?: { step: number; host: string; error: string };
  /** The operator said no to the up-front question: nothing was changed. */
  private declined = false;
  private readonly started = Date.now();

  /** The last point of no return (undo_barrier step) this run went past, in any session. */
  private barrier?: number;

  /** A unit of an action that changes hosts started (this session or an earlier one): a failure may have left changes. */
  private mayHaveChanged = false;

  constructor(private readonly r: RunnerInit) {
    for (const key of r.completed) {
      const step = r.playbook.steps[Number(key.split(':')[0])];
      if (step && !getAction(step.do, r.inventory.profile)?.readOnly) this.mayHaveChanged = true;
    }
    for (const s of r.playbook.steps) if (s.undoBarrier && [...r.completed].some((k) => k.startsWith(`${s.index}:`))) this.barrier = s.index;
    r.opts.signal?.addEventListener('abort', () => {
      if (!this.interrupted) {
        const after = this.r.undo.length === 0 && this.barrier !== undefined ? ` (nothing is undone past the point of no return, step ${this.barrier + 1})` : ', then undo';
        this.warn(`interrupted: no new hosts start; waiting for running ones${after}`);
      }
      this.interrupted = true;
    });
    if (r.opts.signal?.aborted) this.interrupted = true;
  }

  /** Forgets the undo of every earlier step, in memory and (for resume) in the journal. */
  private passUndoBarrier(step: Step): void {
    this.barrier = step.index;
    if (this.r.undo.length === 0) return;
    this.r.undo.length = 0;
    void this.r.journal.append({ type: 'undo.barrier', step: step.index, time: now() });
    this.warn(`step ${step.index + 1} "${step.name}" is a point of no return: an interrupt from here on undoes nothing before it; finish with \`lifeboat resume\``, step.index);
  }

  /** Sends an event to the reporter and the journal (with `detail` in the journal only). */
  emit(e: RunEvent, detail?: Record<string, unknown>): void {
    const masked = maskDeep(e);
    void this.r.journal.append({ ...masked, ...(detail ? maskDeep(detail) : {}) });
    try {
      this.r.opts.onEvent(masked);
    } catch {
      // A reporter bug must not stop a restore half-way.
    }
  }

  private warn(message: string, step?: number, host?: string): void {
    this.emit({ type: 'warning', message: mask(message), step, host, time: now() });
  }

  private get stopRequested(): boolean {
    return this.interrupted || this.stopping;
  }

  /**
   * Connects to every host of the run at once before step 1 and waits for every one of them, however
   * slow: a changed host key anywhere stops the run before any command anywhere. Unreachable hosts
   * only warn (a playbook may fence them). Ctrl-C ends the wait at once.
   */
  private async preflight(hosts: string[]): Promise<{ host: string; error: string } | undefined> {
    const settled = new Map<string, unknown>();
    this.emit({ type: 'run.connect', hosts, time: now() });
    const tries = hosts.map((h) =>
      this.r.connector.get(h).then(() => settled.set(h, null), (err: unknown) => settled.set(h, err ?? new Error('connect failed'))),
    );
    await untilAborted(Promise.all(tries), this.r.opts.signal);
    if (this.interrupted) {
      const waiting = hosts.filter((h) => !settled.has(h));
      this.warn(`interrupted while connecting${waiting.length ? ` (still connecting: ${waiting.join(', ')})` : ''}; nothing was run on any host`);
      return undefined;
    }
    for (const h of hosts) {
      const err = settled.get(h);
      if (err && (err as Error).name === 'HostKeyError') return { host: h, error: `${errText(err)}; nothing was run on any host` };
    }
    for (const h of hosts) {
      const err = settled.get(h);
      // The event names the host; the message does not repeat it (the views put the two together).
      if (err) this.warn(`cannot connect: ${errText(err)}`, undefined, h);
    }
    return undefined;
  }

  async run(hosts: string[] = []): Promise<RunOutcome> {
    const { playbook } = this.r;
    let finishedAll = true;
    // A profile whose actions talk to the hosts' own APIs (ciphertrust) has nothing to reach over SSH;
    // interrupted while loading or waiting for the lock: connect to nothing.
    const overSsh = profileInfo(this.r.inventory.profile)?.reach !== 'api';
    const refused = hosts.length && overSsh && !this.interrupted ? await this.preflight(hosts) : undefined;
    if (refused) {
      this.warn(refused.error, undefined, refused.host);
      this.fail(0, refused.host, refused.error);
      finishedAll = false;
    }
    if (!refused && !(await this.confirmUpFront(hosts))) {
      finishedAll = false;
      this.declined = true;
      this.interrupted = true;
    }
    for (const step of refused || this.declined ? [] : playbook.steps) {
      if (this.stopRequested) {
        finishedAll = false;
        break;
      }
      const status = await this.runStep(step);
      if (status === 'stopped' || (status === 'failed' && step.onError === 'stop')) {
        finishedAll = false;
        if (status === 'failed') this.stopping = true;
        break;
      }
    }
    if (finishedAll && this.interrupted && this.r.opts.signal?.aborted) {
      // Ctrl-C after the last unit finished: nothing left to stop, the run is complete.
      this.interrupted = false;
    }
    let status: RunOutcome['status'];
    let interrupt: InterruptFacts | undefined;
    if (!finishedAll && this.interrupted) {
      const tally = await this.runUndo();
      interrupt = { undone: tally.undone, failedUndo: tally.failed, barrier: this.barrier };
      status = 'interrupted';
    } else if (!finishedAll) status = 'failed';
    else status = 'done';
    const next = this.declined
      ? 'nothing was changed; run it again when the time is right (or with --yes to answer in advance)'
      : nextHint(status, this.r.runId, this.r.stateDir, this.firstFailure, this.r.playbook, interrupt, !this.mayHaveChanged);
    this.emit({ type: 'run.done', runId: this.r.runId, status, durationMs: Date.now() - this.started, next, time: now() });
    await this.r.journal.append({ type: 'flush', time: now() });
    const exitCode = status === 'done' ? EXIT.ok : status === 'failed' ? EXIT.stepFailed : EXIT.interrupted;
    return { runId: this.r.runId, runDir: this.r.runDir, status, exitCode, failed: this.firstFailure, next };
  }

  /** Shows what the run will do and, unless --yes or check mode, asks once. */
  private async confirmUpFront(hosts: string[]): Promise<boolean> {
    const { playbook, state, opts } = this.r;
    const up = await upFrontSummary(playbook, state, { hosts, limit: opts.limit, done: this.r.doneSteps, check: opts.check });
    const question = up.question && !opts.yes ? up.question : undefined;
    this.emit({ type: 'run.summary', lines: up.lines, ...(question ? { question } : {}), time: now() });
    if (!question) return true;
    const ok = await this.askPerson(question);
    if (!ok) this.warn('not confirmed; nothing was changed');
    return ok;
  }

  /** Asks and waits; the time waited is kept so step timings leave it out. */
  private async askPerson(question: string): Promise<boolean> {
    const { confirm, signal } = this.r.opts;
    if (!confirm) return false; // refused before the run started; kept as a second guard
    const t0 = Date.now();
    const aborted = new Promise<boolean>((res) => signal?.addEventListener('abort', () => res(false), { once: true }));
    try {
      return await Promise.race([confirm(mask(question)), aborted]);
    } finally {
      this.waitedMs += Date.now() - t0;
    }
  }

  private waitedMs = 0;

  private fail(step: number, host: string, error: string): void {
    this.firstFailure ??= { step, host, error };
  }

  /** Returns how the step ended; 'stopped' = the operator declined or interrupted before it began. */
  private async runStep(step: Step): Promise<'ok' | 'failed' | 'skipped' | 'stopped'> {
    const { state, opts } = this.r;
    let t0 = Date.now();
    const action = getAction(step.do, state.inventory.profile);
    let units: Unit[];
    try {
      if (!action) throw new Error(`unknown action "${step.do}"`);
      const hosts = stepHosts(step, state, opts.limit);
      // A selector that matches nothing is a mistake unless the step says so (--limit may narrow it).
      if (hosts.length === 0 && !step.allowEmpty && stepHosts(step, state, undefined).length === 0) {
        throw new Error(`"${step.on}" matches no host; add allow_empty: true to the step if that is expected`);
      }
      units = stepUnits(step, state, hosts).units;
    } catch (err) {
      const error = `step ${step.index + 1} "${step.name}": ${errText(err)}`;
      this.emit({ type: 'step.start', step: step.index, name: step.name, action: step.do, hosts: [], time: now() });
      this.warn(error, step.index);
      this.emit({ type: 'step.done', step: step.index, name: step.name, status: 'failed', durationMs: Date.now() - t0, time: now() }, { error });
      this.fail(step.index, '', error);
      return 'failed';
    }
    const hostNames = units.map((u) => u.host.name);
    const pending = units.filter((u) => !this.r.completed.has(unitKey(step.index, u.host.name)));
    if (units.length === 0 || pending.length === 0) {
      this.emit({ type: 'step.start', step: step.index, name: step.name, action: step.do, hosts: hostNames, time: now() });
      const status = units.length === 0 ? 'skipped' : 'ok';
      this.emit({ type: 'step.done', step: step.index, name: step.name, status, durationMs: 0, time: now() },
        { note: units.length === 0 ? 'no hosts selected' : 'done in an earlier session' });
      return status;
    }
    // A confirm before any change was part of the up-front question; one after says why it waits.
    if (step.confirm && step.confirmAfterChangeReason && !opts.check && !opts.yes) {
      const waited = this.waitedMs;
      const ok = await this.ask(step, hostNames);
      t0 += this.waitedMs - waited;
      if (!ok) {
        this.warn(`step ${step.index + 1} "${step.name}" was not confirmed; stopping`, step.index);
        this.interrupted = true;
        return 'stopped';
      }
    }
    this.emit({ type: 'step.start', step: step.index, name: step.name, action: step.do, hosts: hostNames, time: now() });
    if (step.undoBarrier && !opts.check) this.passUndoBarrier(step);

    const queue = new PQueue({ concurrency: Math.max(1, step.concurrency ?? opts.concurrency ?? 10) });
    const done = new Map<string, Promise<UnitOutcome>>();
    for (const unit of units) {
      const parent = unit.waitFor ? done.get(unit.waitFor) : undefined;
      const start = (): Promise<UnitOutcome> => queue.add(() => this.runUnit(step, action!, unit, hostNames)) as Promise<UnitOutcome>;
      const p = parent
        ? parent.then((po) => (po.status === 'failed' || po.status === 'notrun' ? this.parentNotOk(step, unit, po) : start()))
        : start();
      done.set(unit.host.name, p);
    }
    const outcomes = await Promise.all(done.values());
    const failed = outcomes.some((o) => o.status === 'failed');
    const notrun = outcomes.some((o) => o.status === 'notrun');
    const allSkipped = outcomes.every((o) => o.status === 'skipped');
    const status = failed ? 'failed' : allSkipped ? 'skipped' : 'ok';
    const notStarted = units.filter((_, i) => outcomes[i]?.status === 'notrun').map((u) => u.host.name);
    this.emit({ type: 'step.done', step: step.index, name: step.name, status, durationMs: Date.now() - t0, time: now() },
      notStarted.length ? { notStarted } : undefined);
    if (failed && step.onError === 'continue') this.warn(`step ${step.index + 1} "${step.name}" failed on some hosts; continuing (onError: continue)`, step.index);
    if (notrun && !failed) return 'stopped';
    return status === 'skipped' ? 'ok' : status;
  }

  private async parentNotOk(step: Step, unit: Unit, po: UnitOutcome): Promise<UnitOutcome> {
    if (this.stopRequested || po.status === 'notrun') return { status: 'notrun' };
    const error = `step ${step.index + 1} "${step.name}" on ${unit.host.name}: not started, its parent ${unit.waitFor} did not finish`;
    this.emit({ type: 'host.done', step: step.index, host: unit.host.name, status: 'failed', error, durationMs: 0, time: now() });
    if (step.onError === 'stop') this.fail(step.index, unit.host.name, error);
    return { status: 'failed', error };
  }

  private ask(step: Step, hosts: string[]): Promise<boolean> {
    const q = typeof step.confirm === 'string'
      ? render(step.confirm, stepVars(this.r.state, hosts))
      : `Step ${step.index + 1} "${step.name}" (${step.do}) will run on ${hosts.join(', ')}. Continue?`;
    return this.askPerson(q);
  }

  private async runUnit(step: Step, action: Action, unit: Unit, hostNames: string[]): Promise<UnitOutcome> {
    const host = unit.host.name;
    if (this.r.completed.has(unitKey(step.index, host))) {
      this.emit({ type: 'host.done', step: step.index, host, status: 'skipped', summary: 'done in an earlier session', durationMs: 0, time: now() }, { previous: true });
      return { status: 'ok' };
    }
    if (this.stopRequested) return { status: 'notrun' };
    const t0 = Date.now();
    this.emit({ type: 'host.start', step: step.index, host, time: now() });
    const records: CommandRecord[] = [];
    const vars = hostVars(this.r.state, unit.host, hostNames, step.order === 'topology' ? { parent: unit.parent } : {});
    let changes = false;
    try {
      if (step.when && !evalWhen(step.when, vars)) {
        this.emit({ type: 'host.done', step: step.index, host, status: 'skipped', summary: `when: ${step.when}`, durationMs: Date.now() - t0, time: now() });
        return { status: 'skipped' };
      }
      const args = applyArgSpec(action, renderDeep(step.with, vars) as Record<string, unknown>);
      changes = !action.readOnly && !this.r.opts.check;
      const result = await this.withRetries(step, action, unit, args, vars, records);
      if (changes) this.mayHaveChanged = true;
      recordResult(this.r.state, step.register, host, result.output, result.facts);
      const undo = result.undo ?? (result.changed ? step.undo : undefined);
      if (result.changed && undo && !this.r.opts.check) this.r.undo.push({ step: step.index, host, spec: undo });
      const status = result.changed ? 'changed' : 'ok';
      this.emit(
        { type: 'host.done', step: step.index, host, status, summary: result.summary ? mask(result.summary) : undefined, durationMs: Date.now() - t0, time: now() },
        { changed: result.changed, commands: records, undo: undo ?? null, register: step.register, output: journalOutput(result.output), facts: result.facts ?? null, check: !!this.r.opts.check },
      );
      return { status };
    } catch (err) {
      // A host that could not be connected to ran nothing: the run may still say nothing was changed.
      if (changes && !(isConnectError(err) && records.length === 0)) this.mayHaveChanged = true;
      const error = `step ${step.index + 1} "${step.name}" on ${host}: ${errText(err)}`;
      const detail = err instanceof ActionError ? maskDeep(err.detail ?? {}) : {};
      this.emit({ type: 'host.done', step: step.index, host, status: 'failed', error, durationMs: Date.now() - t0, time: now() }, { commands: records, detail });
      if (step.onError === 'stop') {
        this.fail(step.index, host, error);
        this.stopping = true;
      }
      return { status: 'failed', error };
    }
  }

  private async withRetries(step: Step, action: Action, unit: Unit, args: Record<string, unknown>, vars: Record<string, unknown>, records: CommandRecord[]): Promise<ActionResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(step, action, unit, args, vars, records);
      } catch (err) {
        if (attempt >= step.retries || this.interrupted) throw err;
        this.emit({ type: 'host.progress', step: step.index, host: unit.host.name, time: now(),
          message: `attempt ${attempt + 1} of ${step.retries + 1} failed: ${errText(err)}; retrying in ${step.delayMs} ms` });
        await untilAborted(new Promise((res) => setTimeout(res, step.delayMs).unref()), this.r.opts.signal);
        if (this.interrupted) throw err;
      }
    }
  }

  private attempt(step: Step, action: Action, unit: Unit, args: Record<string, unknown>, vars: Record<string, unknown>, records: CommandRecord[]): Promise<ActionResult> {
    return attemptAction(action, {
      step: step.index, host: unit.host, inventory: this.r.inventory, args, vars, connector: this.r.connector,
      secrets: this.r.secrets, runDir: this.r.runDir, check: !!this.r.opts.check, records, emit: (e) => this.emit(e),
    }, step.timeoutMs);
  }

  private runUndo(): Promise<UndoTally> {
    return runUndo(this.r.undo, {
      state: this.r.state,
      timeoutOf: (step) => this.r.playbook.steps[step]?.timeoutMs,
      context: { connector: this.r.connector, secrets: this.r.secrets, runDir: this.r.runDir },
      emit: (e, detail) => this.emit(e, detail),
      undone: (step, host) => this.r.completed.delete(unitKey(step, host)),
    });
  }
}
