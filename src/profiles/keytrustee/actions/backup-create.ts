import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createBackupDir, resolveBackupRoot, rollBackups, sha256File, toolVersion, writeEnvelope, type BackupEnvelope } from '../../../backup/index.ts';
import { encryptFile, keyFileFingerprint } from '../../../crypto/index.ts';
import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../actions/types.ts';
import { ktsVars, type KtsVars } from '../kts-vars.ts';
import { DIGEST_SQL, asService, parseDigest, psqlCommand, SOCKET_DIR } from '../pg.ts';
import { checkKtsBody, ktsBackupName, type KtsBackupBody } from './backup-name.ts';
import { plannedSteps, runSteps, sh, type KtsStep } from './steps.ts';

interface CreateArgs {
  recipientKey?: string;
  cleartext: boolean;
  roll?: number;
  dest?: string;
}

function readArgs(ctx: ActionContext): CreateArgs {
  const a = ctx.args;
  const roll = a.roll === undefined || a.roll === '' || a.roll === null ? 0 : Number(a.roll);
  if (!Number.isInteger(roll) || roll < 0) throw new ActionError(`backup.create: roll must be a whole number >= 0 (0 keeps all; got ${JSON.stringify(a.roll)})`);
  const recipientKey = typeof a.recipient_key === 'string' && a.recipient_key ? a.recipient_key : undefined;
  const cleartext = a.cleartext === true || a.cleartext === 'true';
  // ktbackup.sh insists on a GPG recipient; only an explicit --cleartext writes the keys in clear.
  if (!recipientKey && !cleartext) throw new ActionError('backup.create: a Key Trustee backup holds the server\'s private keys: give recipient_key (an OpenPGP public key file), or cleartext: true to store it unencrypted');
  if (recipientKey && cleartext) throw new ActionError('backup.create: give recipient_key or cleartext: true, not both');
  return { recipientKey, cleartext, roll: roll || undefined, dest: typeof a.dest === 'string' && a.dest ? a.dest : undefined };
}

const rel = (p: string) => p.replace(/^\/+/, '');
const isKms = (ctx: ActionContext) => ctx.host.roles.includes('kms') && !ctx.host.roles.some((r) => r === 'active' || r === 'passive');

/** On the host: the dump next to confdir (where ktbackup puts it), one tar of both, the dump removed. */
export function backupHostSteps(v: KtsVars, name: string, kms: boolean): KtsStep[] {
  const sql = path.posix.join(path.posix.dirname(v.confdir), `${name}.sql`);
  const tar = `/var/tmp/${name}.tar`;
  const steps: KtsStep[] = [];
  if (!kms) {
    steps.push({ what: 'deposits before the dump', command: psqlCommand(v, DIGEST_SQL), note: 'count, highest id, digest (read only)' });
    steps.push({ what: 'pg_dump -c', command: `umask 077 && ${asService(v, [`${v.pgBindir}/pg_dump`, '-c', '-h', SOCKET_DIR, '-p', String(v.dbPort), '-f', sql, v.database])}` });
  }
  const members = [rel(v.confdir), ...(kms ? [] : [rel(sql)])].map(q).join(' ');
  steps.push({ what: 'tar of confdir and dump', command: `umask 077 && tar -C / -cf ${q(tar)} ${members}${kms ? '' : ` && rm -f ${q(sql)}`}` });
  return steps;
}

export const ktsBackupCreate: Action = {
  name: 'backup.create',
  description:
    'ktbackup.sh on this host, from the controller: a tar of the configuration directory and a `pg_dump -c` of the database (kts_bak_<fqdn>_<time>.tar), fetched to backups/<cluster>/lifeboat-full-<UTC time>/, encrypted for an OpenPGP recipient (`gpg -d` opens it), with a clear header.json; keeps the newest `roll`',
  args: {
    recipient_key: { type: 'string', description: 'OpenPGP public key file to encrypt for (ktbackup --gpg-recipient)' },
    cleartext: { type: 'boolean', default: false, description: 'store the tar unencrypted (ktbackup --cleartext); never in production' },
    roll: { type: 'number', default: 0, description: 'keep only the newest N backups of the cluster (ktbackup --roll=n); 0 keeps all' },
    dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
  },
  async plan(ctx) {
    const args = readArgs(ctx);
    // A key file that is missing or not a key refuses the plan (exit 2), before any dump is taken.
    const recipient = args.recipientKey ? await keyFileFingerprint(args.recipientKey) : undefined;
    const v = ktsVars(ctx.inventory, ctx.host);
    const host = ctx.host.name;
    const name = 'kts_bak_<fqdn>_<UTC time>';
    const local = path.join(resolveBackupRoot(ctx.inventory, args.dest), ctx.inventory.cluster, 'lifeboat-full-<UTC time>');
    const out: PlannedCommand[] = [{ host, command: 'hostname -f', note: 'names the archive' }, ...plannedSteps(host, backupHostSteps(v, name, isKms(ctx)))];
    out.push({ host, command: `sftp get /var/tmp/${name}.tar -> ${local}/${name}.tar`, note: 'sha256 verified' });
    out.push({ host, command: `rm -f /var/tmp/${name}.tar` });
    if (args.recipientKey) out.push({ host: 'controller', command: `encrypt ${name}.tar -> ${name}.tar.gpg for key ${recipient} (${args.recipientKey}); remove the clear tar` });
    out.push({ host: 'controller', command: `write ${local}/header.json` });
    if (args.roll) out.push({ host: 'controller', command: `keep the newest ${args.roll} backups in ${path.dirname(local)}` });
    return out;
  },
  async run(ctx) {
    const args = readArgs(ctx);
    const v = ktsVars(ctx.inventory, ctx.host);
    const kms = isKms(ctx);
    const recipientFingerprint = args.recipientKey ? await keyFileFingerprint(args.recipientKey) : undefined;
    if (args.cleartext) ctx.emit({ kind: 'warning', message: 'cleartext: true: the backup (private keys and every deposit) is stored UNENCRYPTED' });
    if (ctx.check) return { changed: false, summary: 'check mode: no backup taken' };
    const remote = await ctx.connect();
    const fqdn = (await sh(remote, ctx, 'hostname -f', 'reading the host name')).stdout.trim();
    const root = resolveBackupRoot(ctx.inventory, args.dest);
    const { dir, time } = await createBackupDir(root, ctx.inventory.cluster, 'full');
    const name = ktsBackupName(fqdn, time);
    const hostTar = `/var/tmp/${name}.tar`;
    let done = false;
    try {
      const steps = backupHostSteps(v, name, kms);
      let deposits: KtsBackupBody['deposits'];
      if (!kms) {
        const [first, ...rest] = steps;
        ctx.emit({ kind: 'progress', message: first!.what });
        deposits = parseDigest((await sh(remote, ctx, first!.command, first!.what)).stdout);
        await runSteps(ctx, rest);
      } else await runSteps(ctx, steps);
      ctx.emit({ kind: 'progress', message: `fetching ${hostTar}` });
      const clear = path.join(dir, `${name}.tar`);
      let fetched;
      try {
        fetched = await remote.get(hostTar, clear, { signal: ctx.signal });
      } finally {
        await remote.exec(`rm -f ${q(hostTar)}`, { timeoutMs: 60_000 }).catch(() => undefined);
      }
      let payloadFile = `${name}.tar`;
      if (args.recipientKey) {
        ctx.emit({ kind: 'progress', message: `encrypting for ${recipientFingerprint}` });
        const enc = await encryptFile(clear, path.join(dir, `${name}.tar.gpg`), { recipientKeyFile: args.recipientKey });
        if (enc.sha256 !== fetched.sha256) throw new ActionError(`payload changed on disk while encrypting (sha256 ${enc.sha256} != ${fetched.sha256})`);
        await rm(clear, { force: true });
        payloadFile = `${name}.tar.gpg`;
      }
      const stored = await sha256File(path.join(dir, payloadFile));
      const pgVersion = kms ? undefined : (await sh(remote, ctx, `${q(`${v.pgBindir}/postgres`)} --version`, 'reading the PostgreSQL version')).stdout.trim();
      const body: KtsBackupBody = {
        kind: kms ? 'kms' : 'server',
        role: ctx.host.roles.join(','),
        archiveName: `${name}.tar`,
        confdir: v.confdir,
        ...(kms ? {} : { sqlFile: path.posix.join(path.posix.dirname(v.confdir), `${name}.sql`), database: v.database, dbPort: v.dbPort, deposits, pgVersion }),
      };
      const env: BackupEnvelope = {
        format: 'lifeboat-backup',
        formatVersion: 2,
        profile: 'keytrustee',
        cluster: ctx.inventory.cluster,
        host: ctx.host.name,
        hostname: fqdn,
        time: time.toISOString(),
        payload: { file: payloadFile, size: stored.size, sha256: stored.sha256 },
        archive: { size: fetched.bytes, sha256: fetched.sha256 },
        encryption: recipientFingerprint ? { kind: 'openpgp', recipientFingerprint } : { kind: 'none' },
        toolVersion: await toolVersion(),
        body: body as unknown as Record<string, unknown>,
      };
      await writeEnvelope(dir, env, checkKtsBody);
      done = true;
      const file = path.join(dir, payloadFile);
      const rolled = args.roll ? await rollBackups(root, ctx.inventory.cluster, 'full', args.roll) : [];
      return {
        changed: true,
        summary: `${file}: ${kms ? 'kms confdir' : `confdir + pg_dump of ${v.database} (${deposits?.count} deposits)`}, ${fetched.bytes} bytes${recipientFingerprint ? `, encrypted for ${recipientFingerprint}` : ', NOT encrypted'}${rolled.length ? `; rolled ${rolled.length} old` : ''}`,
        output: { dir, file },
        facts: { last_backup: dir },
      };
    } finally {
      if (!done) {
        await rm(dir, { recursive: true, force: true });
        await remote.exec(`rm -f ${q(hostTar)} ${q(path.posix.join(path.posix.dirname(v.confdir), `${name}.sql`))}`, { timeoutMs: 60_000 }).catch(() => undefined);
      }
    }
  },
};
