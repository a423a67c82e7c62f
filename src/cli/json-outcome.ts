import { EXIT } from '../util/errors.ts';
import { maskDeep } from '../util/secrets.ts';
import { exitCodeFor } from './common.ts';

/** The final `--json` line of a run that never started: why, with every error message. */
export interface ErrorOutcome {
  type: 'run.outcome';
  status: 'invalid' | 'locked' | 'failed';
  exitCode: number;
  errors: string[];
}

export function outcomeOfError(err: unknown): ErrorOutcome {
  const exitCode = exitCodeFor(err);
  const list = (err as { errors?: unknown[] })?.errors;
  const errors = Array.isArray(list)
    ? list.map((e) => (e instanceof Error ? e.message : String(e)))
    : [err instanceof Error ? err.message : String(err)];
  const status = exitCode === EXIT.badInput ? 'invalid' : exitCode === EXIT.lockHeld ? 'locked' : 'failed';
  return { type: 'run.outcome', status, exitCode, errors };
}

export function writeJsonOutcome(out: NodeJS.WritableStream, outcome: ErrorOutcome): void {
  out.write(JSON.stringify(maskDeep(outcome)) + '\n');
}
