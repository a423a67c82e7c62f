import type { SourceLocation } from '../source/location.ts';

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  stepFailed: 1,
  badInput: 2,
  interrupted: 3,
  lockHeld: 4,
} as const;

/** Bad input: a file, a flag, a selector. Nothing has been changed when this is thrown. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLocation,
  ) {
    super(loc ? `${loc.file}:${loc.line}:${loc.col}: ${message}` : message);
    this.name = 'InputError';
  }
}

/** Several input errors found at once: reported together so one run of `plan` shows them all. */
export class InputErrors extends Error {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'InputErrors';
  }
}

export class LockHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockHeldError';
  }
}
