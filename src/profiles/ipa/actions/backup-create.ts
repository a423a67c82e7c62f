import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createBackupDir, ENVELOPE_VERSION, resolveBackupRoot, rollBackups, sha256File, toolVersion, writeEnvelope, type BackupEnvelope } from '../../../backup/index.ts';
import { clusterServiceRoles, missingRoles } from '../../389ds/actions/backup/role-check.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../actions/types.ts';
import { backedUpDir, firstSecretFingerprint, gpgSecretKeys, IPA_BACKUP_DIR, ipaBackup, ipaBackupEnv, packIpaBackup } from '../commands.ts';
import { IPA_FACTS_COMMAND, ipaFacts } from '../host-facts.ts';
import { checkIpaBackupBody, type IpaBackupBody } from '../backup-body.ts';
import { archiveName, parseIpaHeader } from '../ipa-header.ts';
import { plannedStep, runIpaSteps, stepLine, type IpaStep } from '../steps.ts';
import { instanceName } from '../../389ds/actions/host-vars.ts';
import { ldapSearch, searchCommand } from '../../389ds/actions/ldap.ts';
import type { RemoteHost } from '../../../transport/types.ts';
import { mastersBase } from '../idm-records.ts';
import { basednOf } from './servers-discover.ts';

interface Args {
  data: boolean;
  online: boolean;
  logs: boolean;
  gpg: boolean;
  gpgHome?: string;
  recipient?: string;
  disableRoleCheck: boolean;
  roll?: number;
  dest?: string;
}

const bool = (v: unknown) => v === true || v === 'true';

function readArgs(ctx: ActionContext): Args {
  const a = ctx.args;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const roll = a.roll === undefined || a.roll === '' || a.roll === null ? 0 : Number(a.roll);
  if (!Number.isInteger(roll) || roll < 0) throw new ActionError(`ipa.backup.create: roll must be a whole number >= 0 (got ${JSON.stringify(a.roll)})`);
  const args: Args = {
    data: bool(a.data),
    online: bool(a.online),
    logs: bool(a.logs),
    gpg: bool(a.gpg),
    gpgHome: str(a.gpg_home),
    recipient: str(a.recipient)?.replace(/\s+/g, '').toUpperCase(),
    disableRoleCheck: bool(a.disable_role_check),
    roll: roll || undefined,
    dest: str(a.dest),
  };
  if (args.recipient && !args.gpg) throw new ActionError('ipa.backup.create: recipient needs gpg: true');
  if (args.recipient && !args.gpgHome) throw new ActionError('ipa.backup.create: recipient needs gpg_home (the GnuPG home holding that key: ipa-backup encrypts for its default key)');
  if (args.recipient && !/^[0-9A-F]{40}$/.test(args.recipient)) throw new ActionError(`ipa.backup.create: recipient must be a 40-hex-digit key fingerprint (got ${JSON.stringify(a.recipient)})`);
  return args;
}

/**
 * ipa-backup's own role check (check_roles: the local roles must equal the roles used in the
 * cluster), made from the inventory before anything runs, so `plan` already refuses.
 */
function roleCheck(ctx: ActionContext, a: Args): void {
  if (a.disableRoleCheck) return;
  const missing = missingRoles(ctx.inventory, ctx.host);
  if (missing.length) {
    throw new ActionError(
      `${ctx.host.name} lacks role(s) ${missing.join(', ')} used in cluster ${ctx.inventory.cluster}: ipa-backup would refuse ("Local roles … do not match globally used roles"), and a backup there could not restore the cluster. Back up a server with every role (the hidden replica), or pass disable_role_check: true (ipa-backup --disable-role-check)`,
    );
  }
}

/**
 * IdM's servers as the backed-up data knows them (cn=masters, one level): a data-loss restore of
 * this backup strands any server that is not among them (ipa-restore(1), REPLICATION).
 */
function mastersCommand(ctx: ActionContext): string {
  return searchCommand(instanceName(ctx.inventory, ctx.host), mastersBase(basednOf(ctx)), 'one', '(objectClass=*)', ['cn']);
}

async function readServers(ctx: ActionContext, remote: RemoteHost): Promise<string[]> {
  const entries = await ldapSearch(remote, instanceName(ctx.inventory, ctx.host), mastersBase(basednOf(ctx)), 'one', '(objectClass=*)', ['cn'], { signal: ctx.signal });
  const servers = entries.map((e) => (e.attrs['cn']?.[0] ?? '').toLowerCase()).filter(Boolean).sort();
  if (servers.length === 0) throw new ActionError(`${ctx.host.name}: no server under ${mastersBase(basednOf(ctx))}: not an IdM server (or the wrong suffix in the inventory); nothing was backed up`);
  return servers;
}

/** Before ipa-backup prints its directory: the recipient check and ipa-backup itself. */
function backupSteps(a: Args): IpaStep[] {
  const steps: IpaStep[] = [];
  if (a.recipient && a.gpgHome) steps.push({ argv: gpgSecretKeys(a.gpgHome), what: 'checking the GnuPG default key', note: `its first secret key must be ${a.recipient} (ipa-backup encrypts with --default-recipient-self)` });
  steps.push({
    argv: ipaBackup({ data: a.data, online: a.online, logs: a.logs, gpg: a.gpg, disableRoleCheck: a.disableRoleCheck }),
    env: ipaBackupEnv(a.gpg ? a.gpgHome : undefined),
    what: 'ipa-backup',
    note: a.data && a.online ? 'services stay up' : a.data ? 'Directory Server stopped during the export' : 'every IPA service stopped during the backup',
    timeoutMs: 4 * 3_600_000,
  });
  return steps;
}

/** After: read its header, pack the directory. */
function fetchSteps(dirName: string, hostTar: string): IpaStep[] {
  return [
    { argv: ['cat', `${IPA_BACKUP_DIR}/${dirName}/header`], what: 'reading the ipa-backup header' },
    { argv: packIpaBackup(dirName, hostTar), what: 'packing the backup' },
  ];
}

export const ipaBackupCreate: Action = {
  name: 'ipa.backup.create',
  description:
    'Run ipa-backup on this host (full, or data with online; logs; gpg for the GnuPG home\'s default key), read and check its header, and fetch the backup directory into the controller\'s backup store (backups/<cluster>/lifeboat-<type>-<UTC time>/, header.json + payload.tar). The backup also stays in /var/lib/ipa/backup on the host',
  args: {
    data: { type: 'boolean', default: false, description: 'ipa-backup --data: LDAP data and changelog only (default: full server backup, IPA services stopped)' },
    online: { type: 'boolean', default: false, description: 'ipa-backup --online: with data, services stay up' },
    logs: { type: 'boolean', default: false, description: 'ipa-backup --logs: include service logs (full backups only)' },
    gpg: { type: 'boolean', default: false, description: 'ipa-backup --gpg: encrypt the archive on the host for the default key of gpg_home' },
    gpg_home: { type: 'string', description: 'GnuPG home on the host (GNUPGHOME for ipa-backup; upstream dropped --gpg-keyring)' },
    recipient: { type: 'string', description: 'fingerprint the archive must be encrypted for: checked to be the first secret key of gpg_home before the backup' },
    disable_role_check: { type: 'boolean', default: false, description: 'ipa-backup --disable-role-check: allow a host lacking a role used in the cluster (not recommended)' },
    roll: { type: 'number', default: 0, description: 'keep only the last N backups of this type on the controller; 0 keeps all' },
    dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
  },
  plan(ctx) {
    const a = readArgs(ctx);
    roleCheck(ctx, a);
    const host = ctx.host.name;
    const type = a.data ? 'data' : 'full';
    const name = `lifeboat-${type}-<UTC time>`;
    const dirName = `ipa-${type}-<time printed by ipa-backup>`;
    const hostTar = `/var/tmp/${name}.tar`;
    const local = path.join(resolveBackupRoot(ctx.inventory, a.dest), ctx.inventory.cluster, name);
    const out: PlannedCommand[] = [{ host, command: IPA_FACTS_COMMAND, note: 'IdM tools present; FQDN and IPA version' }];
    out.push({ host, command: mastersCommand(ctx), note: 'IdM\'s servers now, recorded in the backup (read only)' });
    for (const s of [...backupSteps(a), ...fetchSteps(dirName, hostTar)]) out.push(plannedStep(host, s));
    out.push({ host, command: `sftp get ${hostTar} -> ${local}/payload.tar`, note: 'sha256 verified' });
    out.push({ host, command: `rm -f ${hostTar}` });
    out.push({ host: 'controller', command: `write ${local}/header.json`, note: 'with the ipa-backup header (host, type, IPA version, services)' });
    if (a.roll) out.push({ host: 'controller', command: `keep the last ${a.roll} ${type} backups in ${path.dirname(local)}` });
    return out;
  },
  async run(ctx) {
    const a = readArgs(ctx);
    roleCheck(ctx, a);
    const remote = await ctx.connect();
    const facts = await ipaFacts(remote, ctx, ['ipa-backup']);
    if (ctx.check) return { changed: false, summary: 'check mode: no backup taken' };
    const servers = await readServers(ctx, remote);
    const type = a.data ? 'data' : 'full';
    const steps = backupSteps(a);
    const outputs = await runIpaSteps(remote, ctx, steps.slice(0, -1));
    if (a.recipient) {
      const first = firstSecretFingerprint(outputs[0]?.stdout ?? '');
      if (first !== a.recipient) throw new ActionError(`${ctx.host.name}: the default key of ${a.gpgHome} is ${first ?? 'missing'}, not ${a.recipient}: ipa-backup --gpg would encrypt for it; nothing was backed up`);
    }
    const [b] = await runIpaSteps(remote, ctx, steps.slice(-1));
    // ipa-backup logs through its console handler (stderr); read both.
    const backupOut = `${b?.stdout ?? ''}\n${b?.stderr ?? ''}`;
    const made = backedUpDir(backupOut);
    if (!made || path.dirname(made) !== IPA_BACKUP_DIR) throw new ActionError(`${ctx.host.name}: ipa-backup finished without saying where it wrote ("Backed up to …"): ${backupOut.trim().split('\n').slice(-3).join(' | ')}`);
    const dirName = path.basename(made);

    const root = resolveBackupRoot(ctx.inventory, a.dest);
    const { dir, time } = await createBackupDir(root, ctx.inventory.cluster, type);
    const hostTar = `/var/tmp/${path.basename(dir)}.tar`;
    let done = false;
    try {
      const [headerOut] = await runIpaSteps(remote, ctx, fetchSteps(dirName, hostTar));
      const ih = parseIpaHeader(headerOut?.stdout ?? '', `${ctx.host.name}:${made}/header`);
      if (ih.host.toLowerCase() !== facts.fqdn.toLowerCase()) throw new ActionError(`${made}/header names host ${ih.host}, but ${ctx.host.name} is ${facts.fqdn}`);
      if (ih.type !== type.toUpperCase()) throw new ActionError(`${made}/header says ${ih.type}, a ${type} backup was asked for`);
      ctx.emit({ kind: 'progress', message: `fetching ${hostTar}` });
      let fetched;
      try {
        fetched = await remote.get(hostTar, path.join(dir, 'payload.tar'), { signal: ctx.signal });
      } finally {
        await remote.exec(`rm -f ${hostTar}`, { timeoutMs: 60_000 }).catch(() => undefined);
      }
      const stored = await sha256File(path.join(dir, 'payload.tar'));
      const body: IpaBackupBody = {
        method: 'ipa-backup',
        type,
        dir: dirName,
        archive: archiveName(ih, a.gpg),
        header: ih,
        roles: [...ctx.host.roles],
        clusterRoles: clusterServiceRoles(ctx.inventory),
        servers,
      };
      const envelope: BackupEnvelope = {
        format: 'lifeboat-backup',
        formatVersion: ENVELOPE_VERSION,
        profile: ctx.inventory.profile,
        cluster: ctx.inventory.cluster,
        host: ctx.host.name,
        hostname: facts.fqdn,
        time: time.toISOString(),
        payload: { file: 'payload.tar', size: stored.size, sha256: stored.sha256 },
        archive: { size: fetched.bytes, sha256: fetched.sha256 },
        // Lifeboat adds no encryption of its own: ipa-backup --gpg encrypted the archive inside.
        encryption: { kind: 'none' },
        toolVersion: await toolVersion(),
        body: body as unknown as Record<string, unknown>,
      };
      await writeEnvelope(dir, envelope, checkIpaBackupBody);
      done = true;
      const rolled = a.roll ? await rollBackups(root, ctx.inventory.cluster, type, a.roll) : [];
      return {
        changed: true,
        summary: `${path.basename(dir)}: ${stepLine(steps[steps.length - 1]!)} on ${ih.host} → ${dirName} (${ih.type}, IPA ${ih.ipaVersion}, services ${ih.services.join(',')}), ${fetched.bytes} bytes${a.gpg ? ', encrypted by ipa-backup --gpg' : ', NOT encrypted'}${rolled.length ? `; rolled ${rolled.length} old` : ''}`,
        output: dir,
        facts: { last_backup: dir },
      };
    } finally {
      if (!done) await rm(dir, { recursive: true, force: true });
    }
  },
};
