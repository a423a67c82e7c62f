import type { RunEvent } from '../engine/events.ts';
import { maskDeep } from '../util/secrets.ts';
import type { ReportOutcome, Reporter } from './types.ts';

/**
 * Exactly one JSON object per line and nothing else, for scripts: every RunEvent as the engine
 * emitted it (masked), then one `{"type":"run.outcome",...}` line with the exit code.
 */
export function createJsonReporter(out: NodeJS.WritableStream): Reporter {
  const write = (value: unknown) => out.write(JSON.stringify(maskDeep(value)) + '\n');
  return {
    onEvent(e: RunEvent) {
      write(e);
    },
    finish(outcome: ReportOutcome) {
      write({ type: 'run.outcome', ...outcome });
    },
    close() {},
  };
}
