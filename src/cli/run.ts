import type { Command } from 'commander';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_STATE_DIR,
  collectParam,
  parsePositiveInt,
  resolvePlaybookArg,
  inventoryProfile,
  runAction,
  type CliContext,
} from './common.ts';
import { reportedRun, type SharedRunFlags } from './reported-run.ts';

interface RunFlags extends SharedRunFlags {
  inventory: string;
  limit?: string;
  check?: boolean;
}

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('carry out a playbook on the hosts of an inventory')
    .argument('<playbook>', 'playbook file, or the name of a shipped playbook (data-loss, server-loss, ...)')
    .requiredOption('-i, --inventory <file>', 'inventory file (Lifeboat or Ansible YAML)')
    .option('-e, --extra <key=value>', 'set a playbook parameter (repeatable); @file.yaml reads a YAML/JSON map of them', collectParam)
    .option('--extra-vars <key=value|@file>', 'the same as -e (Ansible\'s name)', collectParam)
    .option('-l, --limit <selector>', 'only these hosts (e.g. ds1,ds2 or all:!ds3)')
    .option('-y, --yes', 'answer the one up-front question (and any later one) with yes: unattended runs')
    .option('-C, --check', 'check mode: actions report what they would change and change nothing')
    .option('-v, --verbose', 'also show every raw command as it is sent (the journal always has them)')
    .option('--json', 'one JSON object per line per event on stdout and nothing else; the last line is {"type":"run.outcome",...}')
    .option('--plain', 'plain lines instead of the live view')
    .option('--concurrency <n>', 'hosts worked on at once per step (a step may set its own)', parsePositiveInt, DEFAULT_CONCURRENCY)
    .option('--state-dir <dir>', 'where run journals and locks are kept', DEFAULT_STATE_DIR)
    .option('--accept-new-host-keys', 'trust and record host keys seen for the first time (changed keys still abort)')
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat run data-loss -i inventories/lab.yaml -e master=ds1 -e backup=latest
  $ lifeboat run data-loss -i prod.yaml -e @restore-vars.yaml -l all:!ds4 -C
  $ lifeboat run playbooks/389ds/server-loss.yaml -i prod.yaml -e lost=ds3 --plain --yes
  $ lifeboat run data-loss -i prod.yaml -e master=ds1 -e backup=latest --yes --json > run.jsonl

Exit codes: 0 done, 1 a step failed, 2 bad input, 3 interrupted, 4 lock held (another run).
Ctrl-C once stops gracefully (in-flight commands finish, completed steps are undone back to the last undo_barrier); twice exits now.`,
    )
    .action((playbook: string, flags: RunFlags) =>
      runAction(ctx, async () => {
        return reportedRun(ctx, flags, async (shared) => {
          // Inside reportedRun: a playbook that is not found still ends `--json` with run.outcome.
          const playbookFile = resolvePlaybookArg(playbook, undefined, undefined, await inventoryProfile(flags.inventory));
          const { startRun } = await import('../engine/index.ts');
          return startRun({
            ...shared,
            playbookFile,
            inventoryFile: flags.inventory,
            params: shared.params ?? {},
            limit: flags.limit,
            check: Boolean(flags.check),
          });
        });
      }),
    );
}
