import { randomBytes } from 'node:crypto';
import { waitForLdapiCommand } from '../ldapi-wait.ts';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createBackupDir, FORMAT_VERSION, parseBackupDirName, resolveBackupRoot, rollBackups, sha256File, writeHeader, type BackupHeader, type BackupMethod, type BackupType } from '../../../../backup/index.ts';
import { encryptingEncoder, keyFileFingerprint, readPublicKeyFile } from '../../../../crypto/index.ts';
import { formatBytes } from '../../../../actions/progress.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../../actions/types.ts';
import { hostSuffixes, instanceName } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import {
  bakDir,
  db2bakStep,
  db2ldifStep,
  FACTS_COMMAND,
  hostTarPath,
  ldifFile,
  modifyCommand,
  offlineCommand,
  packCommand,
  removeCommand,
  taskDn,
  taskLdif,
  waitTaskCommand,
} from './commands.ts';
import { normDn, serverFacts } from './facts.ts';
import { clearEarlierAttempts, startedLine } from './earlier-attempts.ts';
import { planned, runHostSteps, type HostStep } from './host-steps.ts';
import { clusterServiceRoles, missingRoles } from './role-check.ts';

const TYPES: BackupType[] = ['data', 'full'];
const METHODS: BackupMethod[] = ['online', 'db2bak', 'db2ldif-replication'];

interface CreateArgs {
  type: BackupType;
  method: BackupMethod;
  recipientKey?: string;
  roll?: number;
  disableRoleCheck: boolean;
  dest?: string;
}

function readArgs(ctx: ActionContext): CreateArgs {
  const a = ctx.args;
  const type = (a.type ?? 'data') as BackupType;
  const method = (a.method ?? 'online') as BackupMethod;
  if (!TYPES.includes(type)) throw new ActionError(`backup.create: type must be ${TYPES.join(' or ')} (got ${JSON.stringify(type)})`);
  if (!METHODS.includes(method)) throw new ActionError(`backup.create: method must be ${METHODS.join(', ')} (got ${JSON.stringify(method)})`);
  // 0 (the default) keeps every backup.
  const rollN = a.roll === undefined || a.roll === null || a.roll === '' ? 0 : Number(a.roll);
  if (!Number.isInteger(rollN) || rollN < 0) throw new ActionError(`backup.create: roll must be a whole number >= 0 (0 keeps all; got ${JSON.stringify(a.roll)})`);
  const roll = rollN === 0 ? undefined : rollN;
  const key = typeof a.recipient_key === 'string' && a.recipient_key ? a.recipient_key : undefined;
  return {
    type,
    method,
    recipientKey: key,
    roll,
    disableRoleCheck: a.disable_role_check === true || a.disable_role_check === 'true',
    dest: typeof a.dest === 'string' && a.dest ? a.dest : undefined,
  };
}

function roleCheck(ctx: ActionContext, args: CreateArgs): void {
  if (args.disableRoleCheck) return;
  const missing = missingRoles(ctx.inventory, ctx.host);
  if (missing.length) {
    throw new ActionError(
      `${ctx.host.name} lacks role(s) ${missing.join(', ')} used in cluster ${ctx.inventory.cluster}: a backup taken there would not hold all the data needed to restore the cluster. Back up a host with every role (ideally the hidden replica), or pass disable_role_check: true`,
    );
  }
}

/** Host-side commands in order; `backends` may be placeholders when planning. */
export function backupHostSteps(inst: string, name: string, args: Pick<CreateArgs, 'type' | 'method'>, backends: string[], taskName = name): HostStep[] {
  const steps: HostStep[] = [];
  const archive = `${bakDir(inst)}/${name}`;
  if (args.method === 'online') {
    const dn = taskDn('backup', taskName);
    steps.push({ kind: 'task-add', what: 'adding the backup task', command: modifyCommand(inst), stdin: taskLdif('backup', taskName, archive), note: `LDIF: add ${dn}` });
    steps.push({ kind: 'task-wait', what: 'waiting for the backup task', command: waitTaskCommand(inst, dn, 600), note: 'until nsTaskExitCode' });
  } else if (args.method === 'db2bak') {
    steps.push({ kind: 'shell', what: 'dsctl stop / db2bak / start', command: offlineCommand(inst, [db2bakStep(inst, archive)]), note: 'server down during the copy' });
    steps.push({ kind: 'shell', what: 'waiting for the server to answer on LDAPI', command: waitForLdapiCommand(inst, 60) });
  } else {
    const exports = backends.map((b) => db2ldifStep(inst, b, ldifFile(inst, name, b)));
    steps.push({ kind: 'shell', what: 'dsctl stop / db2ldif --replication / start', command: offlineCommand(inst, exports), note: 'server down during the export' });
    steps.push({ kind: 'shell', what: 'waiting for the server to answer on LDAPI', command: waitForLdapiCommand(inst, 60) });
  }
  const method = args.method === 'db2bak' || args.method === 'online' ? 'db' : 'ldif';
  steps.push({ kind: 'shell', what: 'packing the backup', command: packCommand({ instance: inst, name, method, backends, full: args.type === 'full' }) });
  return steps;
}

/** Best effort: what a failed backup may have left on the host. */
function hostLeftovers(inst: string, name: string, backends: string[]): string {
  return `rm -rf ${[`${bakDir(inst)}/${name}`, ...backends.map((b) => ldifFile(inst, name, b)), hostTarPath(name)].map(shq).join(' ')}`;
}

export const backupCreate: Action = {
  name: 'backup.create',
  description:
    'Back up the instance on this host (online task, db2bak, or db2ldif --replication per suffix), fetch it to the controller (backups/<cluster>/lifeboat-<type>-<UTC time>/) encrypting it on the way for a recipient key (no clear copy on the controller\'s disk), write a clear header.json, keep the last `roll` backups',
  args: {
    type: { type: 'string', default: 'data', description: 'data (directory data) or full (data + the instance configuration directory)' },
    method: { type: 'string', default: 'online', description: 'online (backup task, server stays up), db2bak (offline copy) or db2ldif-replication (offline LDIF per suffix with replication data)' },
    recipient_key: { type: 'string', description: 'OpenPGP public key file to encrypt the payload for (without it the backup is stored unencrypted)' },
    roll: { type: 'number', default: 0, description: 'keep only the last N backups of this type for the cluster (ktbackup --roll); 0 keeps all' },
    disable_role_check: { type: 'boolean', default: false, description: 'allow a host that lacks a role used in the cluster (the backup will miss that data)' },
    dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
  },
  async plan(ctx) {
    const args = readArgs(ctx);
    roleCheck(ctx, args);
    // A key file that is missing or not a key refuses the plan (exit 2), not the run after the backup task.
    const recipient = args.recipientKey ? await keyFileFingerprint(args.recipientKey) : undefined;
    const inst = instanceName(ctx.inventory, ctx.host);
    const name = `lifeboat-${args.type}-<UTC time>`;
    const placeholders = hostSuffixes(ctx.inventory, ctx.host).map((s) => `<backend of ${s}>`);
    const host = ctx.host.name;
    const root = resolveBackupRoot(ctx.inventory, args.dest);
    const out: PlannedCommand[] = [
      { host, command: FACTS_COMMAND, note: 'host name and 389-ds version' },
      { host, command: 'ldapsearch (LDAPI): backends and replica ids', note: 'read only' },
      { host, command: `${hostLeftovers(inst, '<name of an unfinished earlier attempt>', placeholders)}`, note: 'on resume only: what an attempt of this run that did not finish left (its controller directory without header too)' },
    ];
    for (const c of backupHostSteps(inst, name, args, placeholders)) out.push(planned(host, c));
    const local = path.join(root, ctx.inventory.cluster, name);
    out.push(
      args.recipientKey
        ? { host, command: `sftp get ${hostTarPath(name)} -> ${local}/payload.tar.gpg`, note: `encrypted on the way for key ${recipient} (${args.recipientKey}); sha256 of the archive verified` }
        : { host, command: `sftp get ${hostTarPath(name)} -> ${local}/payload.tar`, note: 'sha256 verified' },
    );
    out.push({ host, command: removeCommand(hostTarPath(name)) });
    out.push({ host: 'controller', command: `write ${local}/header.json` });
    if (args.roll) out.push({ host: 'controller', command: `keep the last ${args.roll} ${args.type} backups in ${path.join(root, ctx.inventory.cluster)}` });
    return out;
  },
  async run(ctx) {
    const args = readArgs(ctx);
    roleCheck(ctx, args);
    const inst = instanceName(ctx.inventory, ctx.host);
    // Read the key before touching the host: a bad key file must not cost a backup run.
    const recipientFingerprint = args.recipientKey ? await keyFileFingerprint(args.recipientKey) : undefined;
    if (!args.recipientKey) ctx.emit({ kind: 'warning', message: 'no recipient_key: the backup is stored unencrypted' });
    if (ctx.check) return { changed: false, summary: 'check mode: no backup taken' };

    const remote = await ctx.connect();
    const facts = await serverFacts(remote, inst, ctx.signal);
    const wanted = hostSuffixes(ctx.inventory, ctx.host);
    const suffixes = wanted.length ? wanted : Object.keys(facts.backends);
    const backends: Record<string, string> = {};
    for (const s of suffixes) {
      const b = facts.backends[normDn(s)];
      if (!b) throw new ActionError(`${ctx.host.name}: instance ${inst} has no backend for suffix ${s} (it has: ${Object.keys(facts.backends).join(', ') || 'none'})`);
      backends[s] = b;
    }
    if (suffixes.length === 0) throw new ActionError(`${ctx.host.name}: instance ${inst} has no database backend to back up`);

    const cleared = await clearEarlierAttempts(ctx, remote, (n) => hostLeftovers(inst, n, Object.values(backends)));
    const root = resolveBackupRoot(ctx.inventory, args.dest);
    // Never an unfinished attempt's name again: its task entry may still be in cn=tasks (seen: a
    // resume in the same second failed with "Already exists" adding the backup task).
    const after = Math.max(0, ...cleared.map((n) => (parseBackupDirName(n)?.time.getTime() ?? 0) + 1000));
    const { dir, time } = await createBackupDir(root, ctx.inventory.cluster, args.type, new Date(Math.max(Date.now(), after)));
    const name = path.basename(dir);
    ctx.emit({ kind: 'progress', message: startedLine(name, dir) });
    const hostTar = hostTarPath(name);
    let done = false;
    try {
      const started = Date.now();
      // Task entries stay in cn=tasks after they end: a second backup of this host in the same
      // second (another backup root, a quick resume) met "Already exists" with the bare name.
      const taskName = `${name}-${randomBytes(3).toString('hex')}`;
      await runHostSteps(remote, ctx, inst, backupHostSteps(inst, name, args, Object.values(backends), taskName));
      const serverMs = Date.now() - started;
      // Encrypted on the way: fetch and encrypt overlap, and no clear copy touches this disk.
      const payloadFile = args.recipientKey ? 'payload.tar.gpg' : 'payload.tar';
      const encode = args.recipientKey ? encryptingEncoder(await readPublicKeyFile(args.recipientKey)) : undefined;
      ctx.emit({ kind: 'progress', message: args.recipientKey ? `fetching ${hostTar}, encrypting for ${recipientFingerprint} on the way` : `fetching ${hostTar}` });
      let fetched;
      try {
        fetched = await remote.get(hostTar, path.join(dir, payloadFile), { signal: ctx.signal, encode });
      } finally {
        await remote.exec(removeCommand(hostTar), { signal: ctx.signal, timeoutMs: 60_000 }).catch(() => undefined);
      }
      const stored = await sha256File(path.join(dir, payloadFile));
      const header: BackupHeader = {
        format: 'lifeboat-backup',
        formatVersion: FORMAT_VERSION,
        type: args.type,
        time: time.toISOString(),
        cluster: ctx.inventory.cluster,
        profile: ctx.inventory.profile,
        host: ctx.host.name,
        hostname: facts.hostname || ctx.host.address,
        dsVersion: facts.dsVersion,
        instance: inst,
        suffixes,
        replicaIds: Object.fromEntries(suffixes.flatMap((s) => (facts.replicaIds[normDn(s)] === undefined ? [] : [[s, facts.replicaIds[normDn(s)] as number]]))),
        backends,
        roles: [...ctx.host.roles],
        clusterRoles: clusterServiceRoles(ctx.inventory),
        method: args.method,
        encrypted: !!args.recipientKey,
        ...(recipientFingerprint ? { recipientFingerprint } : {}),
        payload: { file: payloadFile, size: stored.size, sha256: stored.sha256 },
        archive: { size: fetched.bytes, sha256: fetched.sha256 },
      };
      await writeHeader(dir, header);
      done = true;
      const rolled = args.roll ? await rollBackups(root, ctx.inventory.cluster, args.type, args.roll) : [];
      return {
        changed: true,
        // Where it is comes first: it is what the next restore's `-e backup=` takes.
        summary: `${dir}: ${args.method} backup of ${suffixes.join(', ')}, ${formatBytes(fetched.bytes)}${args.recipientKey ? `, encrypted for ${recipientFingerprint}` : ', NOT encrypted'} (server ${serverMs} ms)${rolled.length ? `; rolled ${rolled.length} old` : ''}${cleared.length ? `; removed the unfinished ${cleared.join(', ')}` : ''}`,
        output: dir,
        facts: { last_backup: dir },
      };
    } finally {
      if (!done) {
        // An incomplete backup must not look like one: drop the directory and the host's leftovers.
        await rm(dir, { recursive: true, force: true });
        await remote.exec(hostLeftovers(inst, name, Object.values(backends)), { timeoutMs: 60_000 }).catch(() => undefined);
      }
    }
  },
};
