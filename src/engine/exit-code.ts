import { EXIT, InputError, InputErrors, LockHeldError } from '../util/errors.ts';

/** Exit status for an error thrown by startRun/resumeRun/planRun before a run began. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError || err instanceof InputErrors) return EXIT.badInput;
  if (err instanceof LockHeldError) return EXIT.lockHeld;
  return EXIT.stepFailed;
}
