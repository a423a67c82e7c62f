import type { RunEvent } from '../engine/events.ts';
import { mask } from '../util/secrets.ts';
import { formatClock, formatDuration, hostError, oneLine, stepLabel, withoutHostName } from './format.ts';
import { summaryLines } from './summary.ts';
import type { ReportOutcome, Reporter, ReporterOptions } from './types.ts';

/**
 * One line per event, stable and greppable:
 *   12:00:01 [2/7] Disable every agreement  ds1  changed  (0.4s)
 * Fields are separated by two spaces; a failure carries the host and its (masked) error.
 */
export function createPlainReporter(out: NodeJS.WritableStream, opts: ReporterOptions = {}): Reporter {
  let totalSteps: number | undefined;
  let runStarted: number | undefined;
  let runDurationMs: number | undefined;
  let runNext: string | undefined;
  const stepNames = new Map<number, string>();

  const write = (line: string) => out.write(mask(line) + '\n');
  const stepPrefix = (e: { time: string; step: number }) =>
    `${formatClock(e.time)} ${stepLabel(e.step, totalSteps)} ${stepNames.get(e.step) ?? ''}`.trimEnd();

  function line(e: RunEvent): string | undefined {
    switch (e.type) {
      case 'run.start':
        totalSteps = e.steps;
        runStarted = Date.parse(e.time);
        return `${formatClock(e.time)} run ${e.runId}  ${e.playbook}  on ${e.hosts.length} host(s): ${e.hosts.join(',')}  ${e.steps} step(s)  inventory ${e.inventory}`;
      case 'run.connect':
        return `${formatClock(e.time)} connecting to ${e.hosts.length} host(s), checking their host keys before any command`;
      case 'run.summary':
        return e.lines.map((l) => `${formatClock(e.time)} ${l}`).join('\n');
      case 'step.start':
        stepNames.set(e.step, e.name);
        return `${stepPrefix(e)}  start  ${e.action}  on ${e.hosts.join(',') || '(no hosts)'}`;
      case 'host.start':
        return `${stepPrefix(e)}  ${e.host}  started`;
      case 'host.command':
        return opts.verbose ? `${stepPrefix(e)}  ${e.host}  $ ${e.on ? `[${e.on}] ` : ''}${oneLine(e.command)}` : undefined;
      case 'host.progress':
        // The host is the line's own column: `ds2  decrypting …`, not `ds2  ds2: decrypting …`.
        return `${stepPrefix(e)}  ${e.host}  ${withoutHostName(e.host, e.message)}`;
      case 'host.done': {
        let text = `${stepPrefix(e)}  ${e.host}  ${e.status}  (${formatDuration(e.durationMs)})`;
        if (e.summary) text += `  ${oneLine(e.summary)}`;
        if (e.error) text += `  error: ${hostError(e.step, e.host, e.error)}`;
        return text;
      }
      case 'step.done':
        return `${stepPrefix(e)}  step ${e.status}  (${formatDuration(e.durationMs)})`;
      case 'undo.start':
        return `${stepPrefix(e)}  ${e.host}  undo ${e.action}`;
      case 'undo.done':
        return `${stepPrefix(e)}  ${e.host}  undo ${e.status}${e.error ? `  error: ${oneLine(e.error)}` : ''}`;
      case 'warning': {
        const where = [e.step !== undefined ? stepLabel(e.step, totalSteps) : '', e.host ?? ''].filter(Boolean).join(' ');
        return `${formatClock(e.time)} warning${where ? `  ${where}` : ''}  ${oneLine(e.message)}`;
      }
      case 'run.done':
        runDurationMs = e.durationMs;
        // `next` is printed once, in the summary that follows.
        runNext = e.next;
        return `${formatClock(e.time)} run ${e.runId}  ${e.status}  (${formatDuration(e.durationMs)})`;
    }
  }

  return {
    onEvent(e) {
      const text = line(e);
      if (text !== undefined) write(text);
    },
    finish(outcome: ReportOutcome) {
      const duration = runDurationMs ?? (runStarted !== undefined ? Date.now() - runStarted : undefined);
      const stepName = outcome.failed ? stepNames.get(outcome.failed.step) : undefined;
      write('');
      for (const l of summaryLines({ ...outcome, next: outcome.next ?? runNext }, duration, stepName)) write(l);
    },
    close() {},
  };
}
