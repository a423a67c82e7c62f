import { ActionError, type Action } from '../../../actions/types.ts';
import { ktsVars } from '../kts-vars.ts';
import { psqlCommand } from '../pg.ts';
import { BACKUP_SOURCE_ARGS, openKtsBackup, verifyArchive } from './backup-source.ts';

/** Deposits on the active newer than the backup: a restore loses them (seed 004). */
export function lostDepositsCommand(v: ReturnType<typeof ktsVars>, maxId: number): string {
  return psqlCommand(v, `SELECT count(*) FROM deposits WHERE id > ${Math.trunc(maxId)}`);
}

export const ktsBackupCheck: Action = {
  name: 'backup.check',
  description:
    'Refuse a backup of another cluster or host, read it whole (decrypting) against its header so a wrong key or a truncated file fails before anything changes, and count the deposits on the active that are newer than the backup (a restore loses them)',
  args: BACKUP_SOURCE_ARGS,
  async plan(ctx) {
    const b = await openKtsBackup(ctx);
    const v = ktsVars(ctx.inventory, ctx.host);
    return [
      { host: 'controller', command: `read ${b.dir}/${b.env.payload.file}${b.env.encryption.kind === 'openpgp' ? ` decrypting with ${String(ctx.args.key ?? '<key>')}` : ''}; compare sha256 with header.json`, note: 'changes nothing' },
      { host: ctx.host.name, command: lostDepositsCommand(v, b.body.deposits!.maxId), note: 'read only; skipped when the database is not there' },
    ];
  },
  async run(ctx) {
    const b = await openKtsBackup(ctx);
    ctx.emit({ kind: 'progress', message: `reading ${b.env.payload.file}` });
    await verifyArchive(ctx, b);
    const v = ktsVars(ctx.inventory, ctx.host);
    let lost: number | undefined;
    try {
      const remote = await ctx.connect();
      const r = await remote.exec(lostDepositsCommand(v, b.body.deposits!.maxId), { signal: ctx.signal, timeoutMs: 60_000 });
      if (r.code === 0) lost = Number(r.stdout.trim());
    } catch (e) {
      if (ctx.signal.aborted) throw e;
    }
    if (lost === undefined) ctx.emit({ kind: 'warning', message: `${ctx.host.name}: the database cannot be read; how many deposits are newer than the backup is unknown` });
    else if (lost > 0) ctx.emit({ kind: 'warning', message: `${ctx.host.name} holds ${lost} deposit(s) newer than the backup (${b.env.time}); restoring loses them` });
    if (!Number.isInteger(b.body.deposits?.count)) throw new ActionError(`backup ${b.dir}: no deposit count in its header`);
    return {
      changed: false,
      summary: `${b.env.payload.file}: intact (${b.env.archive.size} bytes, ${b.body.deposits!.count} deposits, taken ${b.env.time} on ${b.env.host}); ${lost === undefined ? 'deposits newer than it: unknown' : `${lost} newer deposit(s) on ${ctx.host.name} would be lost`}`,
      output: { backup: b.dir, lost: lost ?? 'unknown', deposits: b.body.deposits!.count },
      facts: { deposits_lost: lost ?? 'an unknown number of', kts_backup: b.dir },
    };
  },
};
