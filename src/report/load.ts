import { createJsonReporter } from './json.ts';
import { createPlainReporter } from './plain.ts';
import type { ReportMode, Reporter, ReporterOptions } from './types.ts';

/**
 * createReporter for the CLI: ink (with react and yoga) takes seconds to import on a busy machine,
 * so it is loaded only when the live view is really shown.
 */
export async function loadReporter(mode: ReportMode, out: NodeJS.WritableStream, stdin?: NodeJS.ReadStream, opts: ReporterOptions = {}): Promise<Reporter> {
  if (mode === 'json') return createJsonReporter(out);
  if (mode === 'plain') return createPlainReporter(out, opts);
  const { createInkReporter } = await import('./ink/ink-reporter.tsx');
  return createInkReporter(out, stdin, opts);
}
