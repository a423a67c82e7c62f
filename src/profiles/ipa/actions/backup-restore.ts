import { createReadStream } from 'node:fs';
import path from 'node:path';
import { CHUNK } from '../../../crypto/index.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../actions/types.ts';
import { IPA_BACKUP_DIR, ipaBackupEnv, ipaRestore, ipaRestoreStdin, ipaRestoreStdinNote, unpackIpaBackup } from '../commands.ts';
import { IPA_FACTS_COMMAND } from '../host-facts.ts';
import { plannedStep, runIpaSteps, type IpaStep } from '../steps.ts';
import { dfCommand } from '../../389ds/actions/backup/commands.ts';
import { DISK_CHECK_DIR, DISK_FACTOR, ipaBackupOnController, ipaRestorePreflight, readRestoreArgs, type RestoreArgs } from './restore-prep.ts';
import type { IpaBackupBody } from '../backup-body.ts';

export const RESTORE_ARGS = {
  backup: { type: 'string', required: true, description: 'backup directory, a backup name in the cluster store, "latest" (newest that verifies) or "latest-good" (newest restore-tested), made by ipa.backup.create' },
  data: { type: 'boolean', default: false, description: 'ipa-restore --data: restore only the LDAP data (also from a full backup)' },
  online: { type: 'boolean', default: false, description: 'ipa-restore --online: data only, Directory Server stays up' },
  instance: { type: 'string', description: 'ipa-restore --instance: the 389-ds instance to restore (data only)' },
  backend: { type: 'string', description: 'ipa-restore --backend: userRoot or ipaca (data only)' },
  no_logs: { type: 'boolean', default: false, description: 'ipa-restore --no-logs: do not restore log files' },
  force: { type: 'boolean', default: false, description: 'restore despite another IPA version, or a backup host that lacked a role used in the cluster' },
  gpg_home: { type: 'string', description: 'GnuPG home on the host with the key for an encrypted (ipa-backup --gpg) archive' },
  dm_password_secret: { type: 'string', default: 'dm_password', secretSource: 'inventory', description: 'inventory secret holding the Directory Manager password (given to ipa-restore on stdin)' },
  dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
  reinit_all: { type: 'boolean', default: false, description: 'every other server will be re-initialized from this one (data-loss): refuse a backup that predates one of the inventory\'s servers' },
} as const;

/**
 * Host side, in order: unpack the uploaded directory into /var/lib/ipa/backup, then ipa-restore
 * with the DM password and its answers on stdin. `password` is given only when running.
 */
export function restoreSteps(a: RestoreArgs, ipa: IpaBackupBody, hostTar: string, answers: { configured: boolean; versionDiffers: boolean }, password?: string): IpaStep[] {
  const argv = ipaRestore({ dir: `${IPA_BACKUP_DIR}/${ipa.dir}`, data: a.data, online: a.online, instance: a.instance, backend: a.backend, noLogs: a.noLogs }, ipa.header.type);
  return [
    { argv: ['mkdir', '-p', '-m', '700', IPA_BACKUP_DIR], what: 'creating the backup directory' },
    { argv: unpackIpaBackup(hostTar), what: 'unpacking the backup' },
    { argv: ['rm', '-f', hostTar], what: 'removing the upload' },
    {
      argv,
      env: ipaBackupEnv(ipa.archive.endsWith('.gpg') ? a.gpgHome : undefined),
      what: 'ipa-restore',
      stdinNote: ipaRestoreStdinNote(answers),
      ...(password !== undefined ? { stdin: ipaRestoreStdin(password, answers) } : {}),
      note: (a.data || ipa.header.type === 'DATA') && !a.online ? 'Directory Server stopped during the import; ipa-restore also disables every agreement it can reach' : undefined,
      timeoutMs: 4 * 3_600_000,
    },
  ];
}

export const ipaBackupRestore: Action = {
  name: 'ipa.backup.restore',
  description:
    'Restore an ipa-backup backup on the host that made it: check its header (same FQDN, format, IPA version, roles), upload the backup directory to /var/lib/ipa/backup, run ipa-restore with the Directory Manager password on stdin (never in argv). Peers must be re-initialized from this host afterwards',
  destructive: true,
  args: RESTORE_ARGS,
  async plan(ctx) {
    const a = readRestoreArgs(ctx);
    const { dir, h, ipa } = await ipaBackupOnController(ctx);
    const host = ctx.host.name;
    const hostTar = `/var/tmp/${path.basename(dir)}.tar`;
    // A data restore needs a configured server; a full one asks for the password only when configured.
    const isData = a.data || ipa.header.type === 'DATA';
    const answers = { configured: isData, versionDiffers: false };
    const out: PlannedCommand[] = [
      { host, command: IPA_FACTS_COMMAND, note: `FQDN must be ${ipa.header.host}; IPA version ${ipa.header.ipaVersion} (another needs force)` },
      { host, command: dfCommand(DISK_CHECK_DIR), note: `needs ${DISK_FACTOR} x ${h.archive.size} bytes` },
      { host, command: `sftp put ${path.join(dir, h.payload.file)} -> ${hostTar}`, note: `sha256 must be ${h.archive.sha256}` },
    ];
    for (const s of restoreSteps(a, ipa, hostTar, answers)) out.push(plannedStep(host, s));
    if (!isData) {
      const last = out[out.length - 1]!;
      last.stdin = `${ipaRestoreStdinNote({ configured: true, versionDiffers: false })} (the password only when /etc/ipa/default.conf exists)`;
    }
    return out;
  },
  async run(ctx) {
    const a = readRestoreArgs(ctx);
    const { dir, h, ipa, facts, remote, versionDiffers } = await ipaRestorePreflight(ctx);
    const password = facts.configured ? await ctx.secret(a.dmSecret) : '';
    // Catches option combinations ipa-restore would refuse, before the upload.
    restoreSteps(a, ipa, '/dev/null', { configured: facts.configured, versionDiffers });
    if (ctx.check) return { changed: false, summary: `check mode: ${ipa.dir} can be restored on ${ctx.host.name}` };
    const hostTar = `/var/tmp/${path.basename(dir)}.tar`;
    ctx.emit({ kind: 'progress', message: 'uploading' });
    const put = await remote.put(createReadStream(path.join(dir, h.payload.file), { highWaterMark: CHUNK }), hostTar, { mode: 0o600, signal: ctx.signal });
    if (put.sha256 !== h.archive.sha256) {
      await remote.exec(`rm -f ${hostTar}`, { timeoutMs: 60_000 }).catch(() => undefined);
      throw new ActionError(`upload of ${h.payload.file} arrived as sha256 ${put.sha256}, the header says ${h.archive.sha256}; nothing was restored`);
    }
    const t0 = Date.now();
    await runIpaSteps(remote, ctx, restoreSteps(a, ipa, hostTar, { configured: facts.configured, versionDiffers }, password));
    return {
      changed: true,
      summary: `ipa-restore of ${ipa.dir} (${ipa.header.type} backup of ${ipa.header.host}, ${ipa.header.time} UTC) on ${ctx.host.name}: ${Date.now() - t0} ms. Re-initialize every other server from ${ctx.host.name} now (ipa.replica.reinit)`,
      output: { backup: dir, ipaDir: ipa.dir, host: ctx.host.name },
    };
  },
};

export const ipaBackupCheck: Action = {
  name: 'ipa.backup.check',
  readOnly: true,
  description: 'Check, without changing anything, that an ipa-backup backup can be restored on this host (tools, FQDN, header format, IPA version, roles, payload checksum)',
  args: RESTORE_ARGS,
  async plan(ctx) {
    const { dir, ipa } = await ipaBackupOnController(ctx);
    return [
      { host: 'controller', command: `sha256 ${dir}/payload.tar`, note: 'must match header.json' },
      { host: ctx.host.name, command: IPA_FACTS_COMMAND, note: `FQDN must be ${ipa.header.host}` },
      { host: ctx.host.name, command: dfCommand(DISK_CHECK_DIR), note: `needs ${DISK_FACTOR} x the archive` },
    ];
  },
  async run(ctx: ActionContext) {
    const { dir, ipa, facts } = await ipaRestorePreflight(ctx);
    return { changed: false, summary: `${path.basename(dir)} (${ipa.dir}, ${ipa.header.type}, IPA ${ipa.header.ipaVersion}) can be restored on ${ctx.host.name} (${facts.fqdn})` };
  },
};
