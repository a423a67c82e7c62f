import type { Command } from 'commander';
import { formatTable } from '../report/table.ts';
import { InputError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { DEFAULT_STATE_DIR, runAction, type CliContext } from './common.ts';
import { processContext } from './report.ts';

interface DrCheckFlags {
  inventory: string;
  backupDir?: string;
  maxBackupAge: string;
  stateDir: string;
  json?: boolean;
  html?: string;
}

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;

/** `lifeboat dr check -i INV`: read-only readiness score; exit 1 when any item fails. */
export function registerDrCommands(program: Command, ctx: CliContext = processContext()): void {
  const dr = program.command('dr').description('disaster-recovery readiness');
  dr.command('check')
    .description('score the cluster\'s readiness (read-only): agreements, CA hosts, graph cut points, hidden replica, backups, rehearsals, host keys')
    .requiredOption('-i, --inventory <file>', 'inventory of the cluster')
    .option('--backup-dir <dir>', 'backup root (default: inventory var backup_dir, else ./backups)')
    .option('--max-backup-age <duration>', 'the newest good backup must be younger than this (e.g. 24h, 90m)', '24h')
    .option('--state-dir <dir>', 'where runs and rehearsals are kept', DEFAULT_STATE_DIR)
    .option('--json', 'one JSON object: {ok, items: [{id, title, status, why}]}')
    .option('--html <file>', 'also write the score as a self-contained HTML page')
    .addHelpText(
      'after',
      `
Connects to every host read-only (one LDAP search of the agreements each, host keys verified),
re-hashes the backups on disk, and reads the rehearsal reports. Exit 0 when nothing fails
(warnings allowed), 1 when an item fails, 2 on bad input.

Examples:
  $ lifeboat dr check -i prod.yaml
  $ lifeboat dr check -i prod.yaml --max-backup-age 6h --json | jq '.items[] | select(.status=="fail")'`,
    )
    .action((flags: DrCheckFlags) =>
      runAction(ctx, async () => {
        const { parseDuration } = await import('../source/duration.ts');
        const maxBackupAgeMs = parseDuration(flags.maxBackupAge);
        if (maxBackupAgeMs === undefined || maxBackupAgeMs <= 0) throw new InputError(`--max-backup-age "${flags.maxBackupAge}" is not a duration (e.g. 24h, 90m)`);
        const { loadInventory } = await import('../inventory/index.ts');
        const inv = await loadInventory(flags.inventory);
        const { assertIdentityFiles } = await import('../inventory/identity-files.ts');
        await assertIdentityFiles(inv);
        const { gatherReadiness } = await import('../dr/gather.ts');
        const { scoreReadiness } = await import('../dr/items.ts');
        const items = scoreReadiness(await gatherReadiness(inv, { backupDir: flags.backupDir, stateDir: flags.stateDir, maxBackupAgeMs }));
        const ok = !items.some((i) => i.status === 'fail');
        if (flags.html) {
          const { writeFile } = await import('node:fs/promises');
          const { readinessHtml } = await import('../dr/html.ts');
          await writeFile(flags.html, mask(readinessHtml(inv.cluster, items, new Date())));
        }
        if (flags.json) ctx.io.stdout.write(`${mask(JSON.stringify({ cluster: inv.cluster, ok, items }))}\n`);
        else {
          const rows = items.map((i) => [MARK[i.status], i.title, i.why]);
          for (const line of formatTable(['', 'ITEM', 'WHY'], rows)) ctx.io.stdout.write(`${mask(line)}\n`);
          const n = (s: string) => items.filter((i) => i.status === s).length;
          ctx.io.stdout.write(`\n${inv.cluster}: ${ok ? 'READY' : 'NOT READY'} (${n('pass')} pass, ${n('warn')} warn, ${n('fail')} fail, ${n('skip')} skipped)\n`);
        }
        return ok ? 0 : 1;
      }),
    );
}
