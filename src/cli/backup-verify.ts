import type { Command } from 'commander';
import { readRestoreTests } from '../backup/restore-tests.ts';
import { InputError } from '../util/errors.ts';
import { runAction, type CliContext } from './common.ts';

/** The restore-tested column of `backup list`: the newest run that restored and verified it. */
export async function restoreTestedText(backupDir: string): Promise<{ text: string; runId?: string }> {
  const tests = await readRestoreTests(backupDir);
  const last = tests.at(-1);
  return last ? { text: `restore-tested by run ${last.runId} (${last.time})`, runId: last.runId } : { text: 'not restore-tested' };
}

/** `lifeboat backup verify [NAME|--all] -i INV`: re-hashes payloads against their headers, changing nothing. */
export function registerBackupVerify(backup: Command, ctx: CliContext): void {
  backup
    .command('verify [name]')
    .description("re-hash a backup's payload (or --all) against its header; exit 1 when one does not verify")
    .requiredOption('-i, --inventory <file>', 'inventory of the cluster')
    .option('--dir <dir>', 'backup root (default: inventory var backup_dir, else ./backups)')
    .option('--all', 'every backup of the cluster')
    .option('--json', 'one JSON object per backup per line')
    .action((name: string | undefined, flags: { inventory: string; dir?: string; all?: boolean; json?: boolean }) =>
      runAction(ctx, async () => {
        if (!name && !flags.all) throw new InputError('name a backup (see `lifeboat backup list`) or give --all');
        // Loaded when it runs, like the rest of `backup`: `--help` stays light.
        const { listBackups, resolveBackupRoot } = await import('../backup/index.ts');
        const { verifiedBackups } = await import('../dr/gather.ts');
        const { loadInventory } = await import('../inventory/index.ts');
        const inv = await loadInventory(flags.inventory);
        const root = resolveBackupRoot(inv, flags.dir);
        const names = new Set((await listBackups(root, inv.cluster)).map((b) => b.name));
        if (name && !names.has(name)) throw new InputError(`no backup ${name} of cluster ${inv.cluster} in ${root}`);
        const all = (await verifiedBackups(root, inv.cluster)).filter((b) => flags.all || b.name === name);
        let bad = 0;
        for (const b of all) {
          const ok = b.checksum === true;
          if (!ok) bad++;
          if (flags.json) ctx.io.stdout.write(`${JSON.stringify({ name: b.name, ok, problem: ok ? undefined : b.checksum, encrypted: b.encrypted })}\n`);
          else ctx.io.stdout.write(`${b.name}  ${ok ? 'sha256 verified' : `FAILED: ${b.checksum}`}${b.encrypted ? '  (encrypted: decrypt-verify with `backup decrypt`)' : ''}\n`);
        }
        if (!flags.json && all.length === 0) ctx.io.stdout.write(`No backups of cluster ${inv.cluster} in ${root}.\n`);
        return bad ? 1 : 0;
      }),
    );
}
