import { resolve } from 'node:path';
import type { Playbook } from '../playbook/types.ts';

/** The `--state-dir` flag a resume command needs, or nothing when the default is in use. */
export function stateDirFlag(stateDir: string): string {
  return resolve(stateDir) === resolve('.lifeboat') ? '' : ` --state-dir ${stateDir}`;
}

/** `lifeboat resume` and `lifeboat report` given a run id that is not there: where they looked, and how to list what is. */
export function noSuchRun(runId: string, runsDir: string, stateDir: string): string {
  return `no run ${runId} in ${runsDir}: \`lifeboat runs${stateDirFlag(stateDir)}\` lists the runs there`;
}

/** What the operator should do after a run, in one sentence with the command to type. */
export function nextHint(
  status: 'done' | 'failed' | 'interrupted',
  runId: string,
  stateDir: string,
  failed: { step: number; host: string; error: string } | undefined,
  playbook: Playbook,
  interrupt?: InterruptFacts,
  /** Only read-only actions ran (every session): a failure left every host as it was. */
  nothingChanged = false,
): string | undefined {
  const resume = `lifeboat resume ${runId}${stateDirFlag(stateDir)}`;
  if (status === 'done') return undefined;
  if (status === 'failed') {
    const where = failed ? `step ${failed.step + 1} "${playbook.steps[failed.step]?.name ?? '?'}"${failed.host ? ` on ${failed.host}` : ''}` : 'the failed step';
    // The error itself is printed just above (Failed: …); the hint only says what to do.
    return `${nothingChanged ? 'nothing was changed on any host; ' : ''}fix what failed in ${where}, then run: ${resume} (completed work is not repeated)`;
  }
  const undone = interrupt?.undone ?? 0;
  const failedUndo = interrupt?.failedUndo ? `; ${interrupt.failedUndo} undo(s) FAILED (see the warnings above): check those hosts` : '';
  // Past a point of no return the undo list is empty: say so, never "put back".
  if (interrupt?.barrier !== undefined && undone === 0 && !interrupt.failedUndo) {
    const b = interrupt.barrier;
    return `the run was interrupted past its point of no return (step ${b + 1} "${playbook.steps[b]?.name ?? '?'}"): nothing was undone and the hosts are part-way through the recovery; finish it with: ${resume}`;
  }
  const what = undone ? `${undone} completed change(s) were put back` : 'no completed change has an undo, so nothing was put back';
  return `the run was interrupted; ${what}${failedUndo}; to continue from where it stopped run: ${resume}`;
}

/** What an interrupted run did on its way out: undos run, and the last point of no return it passed. */
export interface InterruptFacts {
  undone: number;
  failedUndo: number;
  /** Index of the last `undo_barrier` step that ran (in this session or an earlier one). */
  barrier?: number;
}
