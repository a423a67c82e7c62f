import type { Command } from 'commander';
import { formatTable } from '../report/table.ts';
import { maskDeep } from '../util/secrets.ts';
import { DEFAULT_STATE_DIR, runAction, type CliContext } from './common.ts';

interface RunsFlags {
  stateDir: string;
  json?: boolean;
}

export function registerRunsCommand(program: Command, ctx: CliContext): void {
  program
    .command('runs')
    .description('list runs and their state (newest last)')
    .option('--state-dir <dir>', 'where run journals and locks are kept', DEFAULT_STATE_DIR)
    .option('--json', 'one JSON object per run per line')
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat runs
  $ lifeboat runs --state-dir ~/lifeboat-state --json | jq -r 'select(.status=="failed") | .runId'`,
    )
    .action((flags: RunsFlags) =>
      runAction(ctx, async () => {
        const { listRuns } = await import('../engine/index.ts');
        const runs = await listRuns(flags.stateDir);
        if (flags.json) {
          for (const r of runs) ctx.io.stdout.write(JSON.stringify(maskDeep(r)) + '\n');
          return 0;
        }
        if (runs.length === 0) {
          ctx.io.stdout.write(`No runs in ${flags.stateDir}.\n`);
          return 0;
        }
        const { runsTable } = await import('./runs-table.ts');
        const { header, rows } = runsTable(runs, { cwd: process.cwd(), stateDir: flags.stateDir });
        for (const line of formatTable(header, rows)) {
          ctx.io.stdout.write(maskDeep(line) + '\n');
        }
        return 0;
      }),
    );
}
