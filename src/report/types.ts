import type { RunEvent } from '../engine/events.ts';

/**
 * What a finished run tells the reporter. Mirrors the engine's RunOutcome (see notes/apis.md);
 * declared here structurally so reporters do not depend on the engine's module layout.
 */
export interface ReportOutcome {
  runId: string;
  runDir: string;
  status: 'done' | 'failed' | 'interrupted';
  exitCode: number;
  failed?: { step: number; host: string; error: string };
  next?: string;
}

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
