import type { Command } from 'commander';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_STATE_DIR,
  collectParam,
  parsePositiveInt,
  runAction,
  type CliContext,
} from './common.ts';
import { reportedRun, type SharedRunFlags } from './reported-run.ts';

type ResumeFlags = SharedRunFlags;

export function registerResumeCommand(program: Command, ctx: CliContext): void {
  program
    .command('resume')
    .description('continue a failed or interrupted run from where it stopped (completed work is skipped)')
    .argument('<run-id>', 'run id, as printed by `lifeboat run` and `lifeboat runs`')
    .option('-e, --extra <key=value>', 'give secret parameters again (they are not stored); @file.yaml reads a YAML/JSON map of them', collectParam)
    .option('--extra-vars <key=value|@file>', 'the same as -e (Ansible\'s name)', collectParam)
    .option('-y, --yes', 'answer the one up-front question (and any later one) with yes: unattended runs')
    .option('-v, --verbose', 'also show every raw command as it is sent (the journal always has them)')
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
  $ lifeboat resume 20261122-120001-a1b2 --yes --plain --state-dir ~/lifeboat-state`,
    )
    .action((runId: string, flags: ResumeFlags) =>
      runAction(ctx, () =>
        reportedRun(ctx, flags, async (shared) => {
          const { resumeRun } = await import('../engine/index.ts');
          return resumeRun(runId, shared);
        }),
      ),
    );
}
