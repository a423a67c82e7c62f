import { basename } from 'node:path';
import type { Command } from 'commander';
import { formatPlan } from '../report/plan-text.ts';
import { formatPlanProblems, formatPlanSummary } from '../report/plan-summary.ts';
import { EXIT } from '../util/errors.ts';
import { maskDeep } from '../util/secrets.ts';
import { DEFAULT_CONCURRENCY, collectParam, inventoryProfile, resolvePlaybookArg, runAction, type CliContext } from './common.ts';

interface PlanFlags {
  inventory: string;
  extra?: Record<string, string>;
  extraVars?: Record<string, string>;
  limit?: string;
  json?: boolean;
}

export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description('print, per step and host, the exact commands a run would execute (changes nothing)')
    .argument('<playbook>', 'playbook file, or the name of a shipped playbook')
    .requiredOption('-i, --inventory <file>', 'inventory file (Lifeboat or Ansible YAML)')
    .option('-e, --extra <key=value>', 'set a playbook parameter (repeatable); @file.yaml reads a YAML/JSON map of them', collectParam)
    .option('--extra-vars <key=value|@file>', 'the same as -e (Ansible\'s name)', collectParam)
    .option('-l, --limit <selector>', 'only these hosts (e.g. ds1,ds2 or all:!ds3)')
    .option('--json', 'print the plan as one JSON object on one line')
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat plan data-loss -i inventories/lab.yaml -e master=ds1 -e backup=latest
  $ lifeboat plan server-loss -i prod.yaml -e lost=ds3 --limit ds1,ds2 --json | jq .

Secrets appear as ***. The plan connects to nothing and writes nothing. It ends with a summary
(destructive steps, confirmations, points of no return, hosts touched) and exits 2, reasons first
on stderr, when any step cannot be planned (a missing or foreign backup, a bad argument, ...).`,
    )
    .action((playbook: string, flags: PlanFlags) =>
      runAction(ctx, async () => {
        const playbookFile = resolvePlaybookArg(playbook, undefined, undefined, await inventoryProfile(flags.inventory));
        const { planRun } = await import('../engine/index.ts');
        const plan = await planRun({
          playbookFile,
          inventoryFile: flags.inventory,
          params: { ...flags.extra, ...flags.extraVars },
          limit: flags.limit,
          concurrency: DEFAULT_CONCURRENCY,
        });
        // A plan is a gate: the reasons come first, on stderr, and the exit code is 2.
        for (const line of formatPlanProblems(plan)) ctx.io.stderr.write(line + '\n');
        if (flags.json) {
          ctx.io.stdout.write(JSON.stringify(maskDeep({ type: 'plan', playbook: playbookFile, inventory: flags.inventory, ...plan })) + '\n');
        } else {
          const title = `Plan: ${basename(playbookFile)} on ${flags.inventory}${flags.limit ? ` (limit ${flags.limit})` : ''}`;
          for (const line of [...formatPlan(plan, title), '', ...formatPlanSummary(plan)]) ctx.io.stdout.write(line + '\n');
        }
        return plan.problems.length ? EXIT.badInput : EXIT.ok;
      }),
    );
}
