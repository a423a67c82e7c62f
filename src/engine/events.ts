import type { Progress } from '../actions/progress.ts';

/** Events the engine emits; reporters (ink, plain, JSON) render them and the journal records them. */
export type RunEvent =
  | { type: 'run.start'; runId: string; playbook: string; inventory: string; hosts: string[]; steps: number; time: string }
  /** Before anything changes: what the run will do; `question` when it waits for an answer. */
  /** Before step 1: connecting to every host (and checking its key); can take a while when one does not answer. */
  | { type: 'run.connect'; hosts: string[]; time: string }
  | { type: 'run.summary'; lines: string[]; question?: string; time: string }
  | { type: 'step.start'; step: number; name: string; action: string; hosts: string[]; time: string }
  | { type: 'host.start'; step: number; host: string; time: string }
  | { type: 'host.progress'; step: number; host: string; message: string; progress?: Progress; time: string }
  /** A raw command sent to a host: in the journal and `--json` always, on screen with --verbose. */
  | { type: 'host.command'; step: number; host: string; command: string; on?: string; time: string }
  | { type: 'host.done'; step: number; host: string; status: 'ok' | 'changed' | 'skipped' | 'failed'; summary?: string; error?: string; durationMs: number; time: string }
  | { type: 'step.done'; step: number; name: string; status: 'ok' | 'failed' | 'skipped'; durationMs: number; time: string }
  | { type: 'undo.start'; step: number; host: string; action: string; time: string }
  | { type: 'undo.done'; step: number; host: string; status: 'ok' | 'failed'; error?: string; time: string }
  | { type: 'warning'; message: string; host?: string; step?: number; time: string }
  | { type: 'run.done'; runId: string; status: 'done' | 'failed' | 'interrupted'; durationMs: number; next?: string; time: string };

export type RunEventListener = (event: RunEvent) => void;
