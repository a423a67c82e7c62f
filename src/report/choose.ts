import type { ReportMode } from './types.ts';

/** `--json` wins over `--plain`; otherwise the live view on a terminal and plain lines elsewhere. */
export function chooseReportMode(flags: { json?: boolean; plain?: boolean }, isTTY: boolean): ReportMode {
  if (flags.json) return 'json';
  if (flags.plain) return 'plain';
  return isTTY ? 'ink' : 'plain';
}
