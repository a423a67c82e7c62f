import { mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InputError, InputErrors } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';
import { MASK, mask } from '../util/secrets.ts';
import { SshPool, selectHosts } from './deps.ts';
import type { RunEvent } from './events.ts';
import { Journal, readJournal, readRunRecord, runDirOf, runsDir, writeRunRecord } from './journal.ts';
import { loadRun, type LoadedRun } from './load.ts';
import { planLoaded } from './plan.ts';
import { acquireLock, defaultLockDir, isAlive } from './lock.ts';
import { rebuildFromJournal } from './rebuild.ts';
import { newRunId } from './run-id.ts';
import { noSuchRun } from './next-hint.ts';
import { Runner } from './runner.ts';
import type { UndoEntry } from './undo.ts';
import type { HostConnector, ResumeOptions, RunListEntry, RunOptions, RunOutcome, RunRecord } from './types.ts';

const now = () => new Date().toISOString();

function maskGiven(given: Record<string, string>, loaded: LoadedRun): Record<string, string> {
  return Object.fromEntries(Object.entries(given).map(([k, v]) => [k, loaded.playbook.params[k]?.secret ? MASK : v]));
}

/**
 * Validates, locks the inventory, creates the run directory and carries out the playbook.
 * Throws InputError/InputErrors (exit 2, nothing written) or LockHeldError (exit 4); everything
 * after the run began is in the outcome.
 */
export async function startRun(opts: RunOptions): Promise<RunOutcome> {
  const loaded = await loadRun(opts.playbookFile, opts.inventoryFile, opts.params, {
    limit: opts.limit,
    resolveSecrets: true,
    needConfirmation: !opts.yes && !opts.check && !opts.confirm,
  });
  // The plan is a gate for a run too: a step that cannot be planned (a host without replica_id, a
  // foreign backup, ...) would fail after earlier steps changed hosts. Refused now, exit 2.
  const plan = await planLoaded(loaded, { limit: opts.limit, stateDir: opts.stateDir });
  if (plan.problems.length) throw new InputErrors(plan.problems.map((p) => new InputError(`plan refused: ${p}`)));
  const runId = newRunId();
  const runDir = runDirOf(opts.stateDir, runId);
  // An unusable --state-dir is bad input, found before the lock and before any host is touched.
  await makeDirs(runsDir(opts.stateDir), '--state-dir');
  const { early, lock } = await lockInventory(opts, loaded.inventory.file, runId);
  try {
    await mkdir(runDir, { mode: 0o700 });
    const record: RunRecord = {
      runId,
      playbook: loaded.playbook.file,
      inventory: loaded.inventory.file,
      params: loaded.recordedParams,
      given: maskGiven(opts.params, loaded),
      playbookSha256: loaded.playbookSha256,
      limit: opts.limit,
      check: !!opts.check,
      concurrency: opts.concurrency,
      started: now(),
      status: 'running',
      pid: process.pid,
      hostname: hostname(),
    };
    await writeRunRecord(runDir, record);
    return await execute({ runId, runDir, record, loaded, opts, completed: new Set(), undo: [], early, resumed: false });
  } finally {
    await lock.release();
  }
}

/** Continues a failed or interrupted run under the same id: completed units are not run again. */
export async function resumeRun(runId: string, opts: ResumeOptions): Promise<RunOutcome> {
  const runDir = runDirOf(opts.stateDir, runId);
  let record: RunRecord;
  try {
    record = await readRunRecord(runDir);
  } catch {
    throw new InputError(noSuchRun(runId, resolve(runsDir(opts.stateDir)), opts.stateDir));
  }
  if (record.status === 'done') throw new InputError(`run ${runId} already finished; nothing to resume`);
  if (record.status === 'invalid') throw new InputError(`run ${runId} never started (its input was invalid); start a new run`);
  const rebuilt = rebuildFromJournal(await readJournal(runDir));
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.given ?? {})) if (v !== MASK) given[k] = v;
  Object.assign(given, opts.params ?? {});
  const loaded = await loadRun(record.playbook, record.inventory, given, {
    limit: record.limit,
    resolveSecrets: true,
    needConfirmation: !opts.yes && !record.check && !opts.confirm,
    doneSteps: rebuilt.doneSteps,
  }).catch((err: Error) => {
    const lost = Object.entries(record.given ?? {}).filter(([k, v]) => v === MASK && !(opts.params && k in opts.params)).map(([k]) => k);
    if (lost.length) err.message += `\n(secret params are not kept in run.json: give ${lost.map((k) => `-e ${k}=...`).join(' ')} again)`;
    throw err;
  });
  const { early, lock } = await lockInventory(opts, loaded.inventory.file, runId);
  try {
    loaded.state.registered = rebuilt.registered;
    loaded.state.facts = rebuilt.facts;
    record.status = 'running';
    record.pid = process.pid;
    record.hostname = hostname();
    delete record.finished;
    await writeRunRecord(runDir, record);
    const runOpts = { ...opts, limit: record.limit, check: record.check };
    return await execute({ runId, runDir, record, loaded, opts: runOpts, completed: rebuilt.completed, undo: rebuilt.undo, doneSteps: rebuilt.doneSteps, early, resumed: true });
  } finally {
    await lock.release();
  }
}

interface ExecuteInit {
  runId: string;
  runDir: string;
  record: RunRecord;
  loaded: LoadedRun;
  opts: Omit<RunOptions, 'playbookFile' | 'inventoryFile' | 'params'>;
  completed: Set<string>;
  undo: UndoEntry[];
  doneSteps?: Set<number>;
  early: RunEvent[];
  resumed: boolean;
}

async function execute(x: ExecuteInit): Promise<RunOutcome> {
  const { inventory, playbook, state } = x.loaded;
  const journal = await Journal.open(x.runDir, (err) =>
    x.opts.onEvent({ type: 'warning', message: `cannot write the journal (${err.message}): resume will not know what this run did`, time: now() }),
  );
  if (x.resumed && x.record.playbookSha256 && x.record.playbookSha256 !== x.loaded.playbookSha256) {
    x.early.push({ type: 'warning', message: `${playbook.file} changed since run ${x.runId} started; completed steps are matched by their position`, time: now() });
    x.opts.onEvent(x.early[x.early.length - 1]!);
  }
  for (const e of x.early) await journal.append(e);
  const connector: HostConnector = x.opts.connector?.(inventory) ??
    new SshPool(inventory, {
      hostKeyPolicy: x.opts.hostKeyPolicy,
      onEvent: (e: { host: string; message: string }) => void journal.append({ type: 'transport', time: now(), host: e.host, message: mask(e.message) }),
    });
  const runner = new Runner({
    runId: x.runId, runDir: x.runDir, stateDir: x.opts.stateDir, playbook, inventory, state, opts: x.opts,
    connector, journal, secrets: x.loaded.secrets, completed: x.completed, undo: x.undo, doneSteps: x.doneSteps,
  });
  let outcome: RunOutcome | undefined;
  try {
    const hosts = selectHosts(inventory, 'all', x.opts.limit).map((h) => h.name);
    runner.emit({ type: 'run.start', runId: x.runId, playbook: playbook.file, inventory: inventory.file, hosts, steps: playbook.steps.length, time: now() },
      { resumed: x.resumed, check: !!x.opts.check, params: x.record.params });
    outcome = await runner.run(hosts);
    return outcome;
  } catch (err) {
    // An engine bug, not a step failure: still leave a record that says what happened.
    await journal.append({ type: 'engine.error', time: now(), error: mask(String((err as Error)?.stack ?? err)) });
    throw err;
  } finally {
    await connector.closeAll().catch(() => undefined);
    x.record.status = outcome?.status ?? 'failed';
    x.record.finished = now();
    await writeRunRecord(x.runDir, x.record);
    await journal.close();
    const report = await (await import('../report/after-run.ts')).afterRun(x.runDir);
    // `outcome` is the object the try block returns: the caller sees the report's path on it.
    if (outcome && report) outcome.report = report;
  }
}

/** Every run under stateDir, oldest first (run ids sort by start time). */
export async function listRuns(stateDir: string): Promise<RunListEntry[]> {
  let ids: string[];
  try {
    ids = (await readdir(runsDir(stateDir))).sort();
  } catch {
    return [];
  }
  const out: RunListEntry[] = [];
  for (const id of ids) {
    try {
      const r = await readRunRecord(runDirOf(stateDir, id));
      // A run whose process died without writing its end is as good as interrupted.
      const dead = r.status === 'running' && r.hostname === hostname() && !isAlive(r.pid);
      out.push({ runId: r.runId, playbook: r.playbook, inventory: r.inventory, status: dead ? 'interrupted' : r.status, started: r.started, finished: r.finished });
    } catch {
      // Not a run directory (or one being created right now).
    }
  }
  return out;
}

/**
 * Takes the inventory's lock. Its warnings (a stale lock taken over) are shown at once and kept,
 * so they reach the journal once it exists.
 */
async function lockInventory(opts: { lockDir?: string; onEvent: (e: RunEvent) => void }, inventoryFile: string, runId: string) {
  const early: RunEvent[] = [];
  const lock = await acquireLock(opts.lockDir ?? defaultLockDir(), inventoryFile, runId, (message) => {
    const e: RunEvent = { type: 'warning', message, time: now() };
    early.push(e);
    opts.onEvent(e);
  });
  return { early, lock };
}
