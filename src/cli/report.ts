import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../util/errors.ts';
import { DEFAULT_STATE_DIR, runAction, type CliContext } from './common.ts';

/** Contributed commands are mounted without the CLI's context: they talk to the process's streams. */
export function processContext(): CliContext {
  return { io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, setExit: (c) => (process.exitCode = c) };
}

interface ReportFlags {
  stateDir: string;
}

/** `lifeboat report RUN_ID`: (re)writes a run's self-contained HTML report and prints its path. */
export function registerReportCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command('report')
    .description("write a run's HTML report (topology, timeline, commands, checks) into its directory")
    .argument('<run-id>', 'the run, as `lifeboat runs` lists it')
    .option('--state-dir <dir>', 'where run journals and locks are kept', DEFAULT_STATE_DIR)
    .addHelpText(
      'after',
      `
Every run, resume and rehearsal writes this report when it ends; use this to write it again.
The file opens offline in any browser and prints cleanly.

Examples:
  $ lifeboat report 20261122-120001-a1b2
  $ xdg-open "$(lifeboat report 20261122-120001-a1b2)"`,
    )
    .action((runId: string, flags: ReportFlags) =>
      runAction(ctx, async () => {
        const { runDirOf, runsDir } = await import('../engine/journal.ts');
        const runDir = runDirOf(flags.stateDir, runId);
        try {
          await access(join(runDir, 'run.json'));
        } catch {
          const { noSuchRun } = await import('../engine/next-hint.ts');
          throw new InputError(noSuchRun(runId, resolve(runsDir(flags.stateDir)), flags.stateDir));
        }
        const { writeRunReport } = await import('../report/html/write-report.ts');
        ctx.io.stdout.write(`${await writeRunReport(runDir)}\n`);
        return 0;
      }),
    );
}
