import type { Command } from 'commander';
import type { RunEvent } from '../engine/events.ts';
import type { Reporter } from '../report/types.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_STATE_DIR,
  collectParam,
  installInterruptHandler,
  makeConfirm,
  parsePositiveInt,
  reporterFor,
  runAction,
  type CliContext,
} from './common.ts';

interface ResumeFlags {
  extra?: Record<string, string>;
  yes?: boolean;
  json?: boolean;
  plain?: boolean;
  concurrency: number;
  stateDir: string;
  acceptNewHostKeys?: boolean;
}

export function registerResumeCommand(program: Command, ctx: CliContext): void {
  program
    .command('resume')
    .description('continue a failed or interrupted run from where it stopped (completed work is skipped)')
    .argument('<run-id>', 'run id, as printed by `lifeboat run` and `lifeboat runs`')
    .option('-e, --extra <key=value>', 'give secret parameters again (they are not stored)', collectParam)
    .option('-y, --yes', 'answer yes to every confirmation (unattended runs)')
    .option('--json', 'one JSON object per line per event on stdout and nothing else; the last line is {"type":"run.outcome",...}')
    .option('--plain', 'plain lines instead of the live view')
    .option('--concurrency <n>', 'hosts worked on at once per step', parsePositiveInt, DEFAULT_CONCURRENCY)
    .option('--state-dir <dir>', 'where run journals and locks are kept', DEFAULT_STATE_DIR)
    .option('--accept-new-host-keys', 'trust and record host keys seen for the first time')
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat runs
  $ lifeboat resume 20261122-120001-a1b2
  $ lifeboat resume 20261122-120001-a1b2 --yes --plain --state-dir /var/lib/lifeboat`,
    )
    .action((runId: string, flags: ResumeFlags) =>
      runAction(ctx, async () => {
        // Ctrl-C is ours from here on; an interrupt during loading reaches the engine as an aborted signal.
        const interrupt = installInterruptHandler(ctx.io.stderr);
        let reporter: Reporter | undefined;
        try {
          reporter = await reporterFor(flags, ctx.io);
          const { resumeRun } = await import('../engine/index.ts');
          const shown = reporter;
          const outcome = await resumeRun(runId, {
            params: flags.extra ?? {},
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
        } finally {
          reporter?.close();
          interrupt.dispose();
        }
      }),
    );
}
