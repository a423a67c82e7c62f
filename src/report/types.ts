import type { RunEvent } from '../engine/events.ts';
import type { RunOutcome } from '../engine/types.ts';

/** What a finished run tells the reporter: the engine's outcome, type-only (no runtime coupling). */
export type ReportOutcome = RunOutcome;

export type ReportMode = 'ink' | 'plain' | 'json';

export interface Reporter {
  onEvent(e: RunEvent): void;
  /** Prints the final summary and releases the terminal. */
  finish(outcome: ReportOutcome): void;
  /** Releases the terminal without a summary (the run never started, or threw). Idempotent. */
  close(): void;
  /** Asks a yes/no question in a way that fits this reporter's output (set only where it can). */
  confirm?(question: string): Promise<boolean>;
}

/** How a reporter shows a run: `verbose` adds every raw command (always in the journal). */
export interface ReporterOptions {
  verbose?: boolean;
}
