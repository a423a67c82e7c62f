import { mask } from '../util/secrets.ts';
import { formatDuration, oneLine } from './format.ts';
import type { ReportOutcome } from './types.ts';

/**
 * The final lines every human reporter prints: what happened, where the journal is, what to do
 * next. One function so the plain and the ink view never disagree.
 */
export function summaryLines(outcome: ReportOutcome, durationMs?: number, stepName?: string): string[] {
  const took = durationMs !== undefined ? ` in ${formatDuration(durationMs)}` : '';
  const lines: string[] = [];
  if (outcome.status === 'done') lines.push(`Run ${outcome.runId} done${took}.`);
  else if (outcome.status === 'interrupted') lines.push(`Run ${outcome.runId} interrupted${took}.`);
  else lines.push(`Run ${outcome.runId} failed${took}.`);
  if (outcome.failed) {
    const error = oneLine(outcome.failed.error);
    // The engine's error may already say where it happened; do not say it twice.
    if (/^step \d+\b/.test(error)) lines.push(`Failed: ${error}`);
    else {
      const where = stepName ? `step ${outcome.failed.step + 1} (${stepName})` : `step ${outcome.failed.step + 1}`;
      lines.push(`Failed: ${where} on ${outcome.failed.host}: ${error}`);
    }
  }
  if (outcome.runDir) lines.push(`Journal: ${outcome.runDir}`);
  if (outcome.report) lines.push(`Report: ${outcome.report}`);
  if (outcome.next) lines.push(`Next: ${outcome.next}`);
  else if (outcome.status !== 'done') lines.push(`Next: lifeboat resume ${outcome.runId}`);
  return lines.map(mask);
}
