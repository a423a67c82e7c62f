import path from 'node:path';
import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { ActionError, type Action } from '../../../actions/types.ts';
import type { KtsVars } from '../kts-vars.ts';
import { DIGEST_SQL, SOCKET_DIR, asService, parseDigest, pgCtl, psqlCommand } from '../pg.ts';
import type { KtsBackupBody } from './backup-name.ts';
import { BACKUP_SOURCE_ARGS, openArchive, openKtsBackup } from './backup-source.ts';
import { requireRole } from './role-guard.ts';
import { plannedSteps, runSteps, sh, type KtsStep } from './steps.ts';

const rel = (p: string) => p.replace(/^\/+/, '');

/**
 * Seed 004 "Restoring Key Trustee Server from ktbackup.sh backups", after the tar is on the host:
 * check its listing, `tar -x -C /`, drop and re-create the database, load the dump, clean up.
 */
export function restoreHostSteps(v: KtsVars, body: KtsBackupBody, tar: string): KtsStep[] {
  const sql = body.sqlFile!;
  return [
    { what: 'archive lists the confdir and the dump', command: `tar -tf ${q(tar)} > /var/tmp/kts-restore.list && grep -qx ${q(rel(sql))} /var/tmp/kts-restore.list && grep -q ${q(`^${rel(body.confdir)}/`)} /var/tmp/kts-restore.list && rm -f /var/tmp/kts-restore.list` },
    { what: 'PostgreSQL running', command: pgCtl(v, 'start') },
    { what: 'tar -x -C /', command: `tar -x -C / -f ${q(tar)}` },
    { what: `drop and re-create database ${v.database}`, command: `${psqlCommand(v, `DROP DATABASE IF EXISTS ${v.database} WITH (FORCE)`, 'postgres')} && ${psqlCommand(v, `CREATE DATABASE ${v.database}`, 'postgres')}` },
    // Like the seed's `psql -f`: a `pg_dump -c` dump starts with DROPs that fail on the new, empty
    // database; the deposit digest below is what proves the load.
    { what: 'load the dump', command: `${asService(v, [`${v.pgBindir}/psql`, '-X', '-q', '-h', SOCKET_DIR, '-p', String(v.dbPort), '-d', v.database, '-f', sql])} >/dev/null 2>/var/tmp/kts-restore.err; rm -f ${q(tar)} ${q(sql)}` },
    { what: 'deposits after the load', command: psqlCommand(v, DIGEST_SQL), note: 'must equal the backup\'s record' },
  ];
}

export const ktsBackupRestore: Action = {
  name: 'backup.restore',
  description:
    'Restore the ACTIVE Key Trustee server from a ktbackup-style backup: decrypt on the controller while uploading, tar -x -C /, drop and re-create the database, load the dump, prove the deposits match the backup. Refuses the passive (no promotion)',
  destructive: true,
  args: BACKUP_SOURCE_ARGS,
  async plan(ctx) {
    const { v } = requireRole(ctx, 'active', 'backup.restore');
    const b = await openKtsBackup(ctx);
    const tar = `/var/tmp/${b.body.archiveName}`;
    return [
      { host: ctx.host.name, command: `sftp put <${b.env.encryption.kind === 'none' ? '' : 'decrypted '}${b.env.payload.file}> -> ${tar}`, note: `${b.chosen ? `${b.chosen}; ` : ''}${b.dir}: decrypted on the controller while uploading; sha256 verified against header.json` },
      ...plannedSteps(ctx.host.name, restoreHostSteps(v, b.body, tar)),
    ];
  },
  async run(ctx) {
    const { v } = requireRole(ctx, 'active', 'backup.restore');
    const b = await openKtsBackup(ctx);
    if (ctx.check) return { changed: false, summary: 'check mode: nothing restored' };
    const remote = await ctx.connect();
    const tar = `/var/tmp/${b.body.archiveName}`;
    ctx.emit({ kind: 'progress', message: `uploading ${b.env.payload.file} -> ${tar}` });
    const put = await remote.put(await openArchive(ctx, b), tar, { mode: 0o600, signal: ctx.signal });
    if (put.sha256 !== b.env.archive.sha256) {
      await remote.exec(`rm -f ${q(tar)}`, { timeoutMs: 60_000 }).catch(() => undefined);
      throw new ActionError(`${ctx.host.name}: the uploaded archive has sha256 ${put.sha256}; the backup header says ${b.env.archive.sha256}`);
    }
    const steps = restoreHostSteps(v, b.body, tar);
    await runSteps(ctx, steps.slice(0, -1));
    const last = steps[steps.length - 1]!;
    const got = parseDigest((await sh(remote, ctx, last.command, last.what)).stdout);
    const want = b.body.deposits!;
    if (got.count !== want.count || got.digest !== want.digest) {
      const err = (await remote.exec('cat /var/tmp/kts-restore.err 2>/dev/null | grep -v "does not exist" | tail -3', { timeoutMs: 30_000 }).catch(() => undefined))?.stdout.trim();
      throw new ActionError(`${ctx.host.name}: after loading the dump the database holds ${got.count} deposits (digest ${got.digest}); the backup recorded ${want.count} (digest ${want.digest})${err ? `; psql said: ${err}` : ''}`);
    }
    return {
      changed: true,
      summary: `${ctx.host.name}: restored ${path.basename(b.dir)} (${got.count} deposits, digest ${got.digest})`,
      // `backup` lets the catalog mark it restore-tested once the run's verify.pair passes.
      output: { ...got, backup: b.dir },
    };
  },
};
