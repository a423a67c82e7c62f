import { createInkReporter } from './ink/ink-reporter.tsx';
import { createJsonReporter } from './json.ts';
import { createPlainReporter } from './plain.ts';
import type { ReportMode, Reporter, ReporterOptions } from './types.ts';

export type { ReportMode, Reporter, ReportOutcome, ReporterOptions } from './types.ts';
export { summaryLines } from './summary.ts';
export { chooseReportMode } from './choose.ts';
export { loadReporter } from './load.ts';


export function createReporter(mode: ReportMode, out: NodeJS.WritableStream, stdin?: NodeJS.ReadStream, opts: ReporterOptions = {}): Reporter {
  switch (mode) {
    case 'json':
      return createJsonReporter(out);
    case 'plain':
      return createPlainReporter(out, opts);
    case 'ink':
      return createInkReporter(out, stdin, opts);
  }
}
