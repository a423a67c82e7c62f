import { resolve } from 'node:path';
import type { Playbook } from '../playbook/types.ts';

/** The `--state-dir` flag a resume command needs, or nothing when the default is in use. */
function stateDirFlag(stateDir: string): string {
  return resolve(stateDir) === resolve('.lifeboat') ? '' : ` --state-dir ${stateDir}`;
}

/** What the operator should do after a run, in one sentence with the command to type. */
export function nextHint(
  status: 'done' | 'failed' | 'interrupted',
  runId: string,
  stateDir: string,
  failed: { step: number; host: string; error: string } | undefined,
  playbook: Playbook,
): string | undefined {
  const resume = `lifeboat resume ${runId}${stateDirFlag(stateDir)}`;
  if (status === 'done') return undefined;
  if (status === 'failed') {
    const where = failed ? `step ${failed.step + 1} "${playbook.steps[failed.step]?.name ?? '?'}"${failed.host ? ` on ${failed.host}` : ''}` : 'the failed step';
    // The error itself is printed just above (Failed: …); the hint only says what to do.
    return `fix what failed in ${where}, then run: ${resume} (completed work is not repeated)`;
  }
  return `the run was interrupted and completed changes with an undo were put back; to continue from where it stopped run: ${resume}`;
}
