import type { ResumeOptions, RunOutcome } from '../engine/types.ts';
import type { RunEvent } from '../engine/events.ts';
import type { Reporter } from '../report/types.ts';
import { installInterruptHandler, makeConfirm, reporterFor, type CliContext } from './common.ts';
import { outcomeOfError, writeJsonOutcome } from './json-outcome.ts';

/** The flags `run` and `resume` share. */
export interface SharedRunFlags {
  extra?: Record<string, string>;
  /** `--extra-vars`, Ansible's spelling of -e. */
  extraVars?: Record<string, string>;
  yes?: boolean;
  verbose?: boolean;
  json?: boolean;
  plain?: boolean;
  concurrency: number;
  stateDir: string;
  acceptNewHostKeys?: boolean;
}

/**
 * Runs the engine with a reporter and Ctrl-C handling, for `run` and `resume` alike: builds the
 * options they share, shows every event, prints the summary and hands back the exit code.
 */
export async function reportedRun(
  ctx: CliContext,
  flags: SharedRunFlags,
  go: (shared: ResumeOptions) => Promise<RunOutcome>,
): Promise<number> {
  // Ctrl-C is ours from here on; an interrupt during loading reaches the engine as an aborted signal.
  const interrupt = installInterruptHandler(ctx.io.stderr);
  let reporter: Reporter | undefined;
  try {
    reporter = await reporterFor(flags, ctx.io);
    const shown = reporter;
    const outcome = await go({
      params: { ...flags.extra, ...flags.extraVars },
      yes: Boolean(flags.yes),
      concurrency: flags.concurrency,
      stateDir: flags.stateDir,
      confirm: makeConfirm(shown, ctx.io),
      signal: interrupt.signal,
      onEvent: (e: RunEvent) => shown.onEvent(e),
      hostKeyPolicy: flags.acceptNewHostKeys ? 'accept-new' : undefined,
    });
    shown.finish(outcome);
    return outcome.exitCode;
  } catch (err) {
    // Bad input (exit 2) or a held lock (exit 4): the run never started, but a script reading
    // --json still gets its one final line, with the errors.
    if (flags.json) writeJsonOutcome(ctx.io.stdout, outcomeOfError(err));
    throw err;
  } finally {
    reporter?.close();
    interrupt.dispose();
  }
}
