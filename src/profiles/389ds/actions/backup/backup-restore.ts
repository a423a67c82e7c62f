import { access, constants } from 'node:fs/promises';
import { byteMeter, progressText, type Progress } from '../../../../actions/progress.ts';
import { waitForLdapiCommand } from '../ldapi-wait.ts';
import { latestGoodBackup } from '../../../../backup/latest-good.ts';
import { latestVerifiedBackup, skippedText, type LatestChoice } from '../../../../backup/latest.ts';
import { archiveLayout389ds } from './archive-layout.ts';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { stat } from 'node:fs/promises';
import { listBackups, readHeader, resolveBackupRoot, sha256File, type BackupHeader } from '../../../../backup/index.ts';
import { CHUNK, CryptoError, hashingPassThrough, keyFileFingerprint, openDecryptStream } from '../../../../crypto/index.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import { mask } from '../../../../util/secrets.ts';
import { ActionError, type Action, type ActionContext, type PlannedCommand } from '../../../../actions/types.ts';
import { hostSuffixes, instanceName } from '../host-vars.ts';
import {
  bak2dbStep,
  bakDir,
  dfCommand,
  FACTS_COMMAND,
  ldif2dbStep,
  modifyCommand,
  offlineCommand,
  parseRestoreMark,
  removeCommand,
  restoreCommand,
  taskDn,
  taskLdif,
  receiveArchiveCommand,
  waitTaskCommand,
} from './commands.ts';
import { hostVersion, serverBackends, serverBackendsCommand } from './facts.ts';
import { planned, runHostSteps, sh, type HostStep } from './host-steps.ts';
import { DEFAULT_PASSPHRASE_SECRET, resolvePassphrase } from '../../../../backup/passphrase.ts';
import { restoreProblems } from './restore-checks.ts';
import { fileReason } from '../../../../util/file-reason.ts';

/** online-or-bak2db: decided on the host at run time (restoreCommand), so the plan stays exact. */
type RestoreMethod = 'bak2db' | 'ldif2db' | 'online' | 'online-or-bak2db';
/** Room for the unpacked archive, the database it becomes, and headroom (the tar streams into `tar`: it is never stored). */
export const DISK_FACTOR = 3;

/**
 * `backup` may be a directory, a backup name in the cluster's store, `latest` (newest that verifies:
 * decrypt-verified when the key is given) or `latest-good` (newest restore-tested). For the last
 * two, `chosen` says which one and what was passed over, for the plan and the run to show.
 */
async function resolveBackupDir(ctx: ActionContext): Promise<{ dir: string; chosen?: string }> {
  const ref = ctx.args.backup;
  if (typeof ref !== 'string' || !ref) throw new ActionError('backup.restore: the backup argument (a backup directory, a backup name or "latest") is required');
  const root = resolveBackupRoot(ctx.inventory, typeof ctx.args.dest === 'string' ? ctx.args.dest : undefined);
  if (ref === 'latest') {
    const keyFile = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
    const key = keyFile ? { file: keyFile, passphrase: await resolvePassphrase(ctx) } : undefined;
    let c: LatestChoice;
    try {
      c = await latestVerifiedBackup(root, ctx.inventory.cluster, { accept: (b) => !!b.header, what: '389-ds backup', key, layout: archiveLayout389ds });
    } catch (e) {
      throw new ActionError(mask(`backup.restore: backup=latest: ${(e as Error).message}`));
    }
    if (!c.dir) throw new ActionError(mask(`backup.restore: backup=latest: ${c.why}${skippedText(c)}`));
    return { dir: c.dir, chosen: mask(`backup=latest: ${c.why}${skippedText(c)}`) };
  }
  if (ref === 'latest-good') {
    const good = await latestGoodBackup(root, ctx.inventory.cluster);
    if (!good.dir) throw new ActionError(`backup.restore: ${good.why}`);
    return { dir: good.dir, chosen: `backup=latest-good: ${good.why}` };
  }
  if (existsSync(ref)) return { dir: path.resolve(ref) };
  const inStore = path.join(root, ctx.inventory.cluster, ref);
  if (existsSync(inStore)) return { dir: inStore };
  throw new ActionError(`backup.restore: no backup at ${ref} (nor ${inStore})`);
}

function chooseMethod(h: BackupHeader, wanted: unknown): RestoreMethod {
  const isLdif = h.method === 'db2ldif-replication';
  const m = (wanted ?? 'auto') as string;
  if (m === 'auto') return isLdif ? 'ldif2db' : 'online-or-bak2db';
  if (m !== 'bak2db' && m !== 'ldif2db' && m !== 'online') throw new ActionError(`backup.restore: method must be auto, bak2db, ldif2db or online (got ${JSON.stringify(m)})`);
  if (isLdif !== (m === 'ldif2db')) throw new ActionError(`backup.restore: a ${h.method} backup cannot be restored with ${m} (use ${isLdif ? 'ldif2db' : 'bak2db or online'})`);
  return m;
}

/** The host-side restore, after the archive is unpacked in `stage`. */
export function restoreHostSteps(inst: string, h: BackupHeader, method: RestoreMethod, stage: string, taskName: string): HostStep[] {
  if (method === 'online') {
    const dn = taskDn('restore', taskName);
    return [
      { kind: 'task-add', what: 'adding the restore task', command: modifyCommand(inst), stdin: taskLdif('restore', taskName, `${stage}/db`), note: `LDIF: add ${dn}` },
      { kind: 'task-wait', what: 'waiting for the restore task', command: waitTaskCommand(inst, dn, 900), note: 'until nsTaskExitCode' },
    ];
  }
  if (method === 'online-or-bak2db') {
    return [{ kind: 'shell', what: 'restoring (online task if the server answers, else stop / bak2db / start)', command: restoreCommand(inst, `${stage}/db`, taskName) }];
  }
  const steps =
    method === 'bak2db'
      ? [bak2dbStep(inst, `${stage}/db`)]
      : h.suffixes.map((s) => {
          const backend = h.backends[s] as string;
          return ldif2dbStep(inst, backend, `${stage}/ldif/${backend}.ldif`);
        });
  return [
    { kind: 'shell', what: `dsctl stop / ${method} / start`, command: offlineCommand(inst, steps), note: 'server down during the restore' },
    { kind: 'shell', what: 'waiting for the server to answer on LDAPI', command: waitForLdapiCommand(inst, 120) },
  ];
}

/**
 * Sends the archive into `tar` on the host, decrypting on the way when needed: decrypt, transfer,
 * unpack and the host's hash all overlap, so the cost is the slowest of them, not their sum. The
 * unpacked copy is kept only when the decrypt stream ended cleanly (integrity check), the bytes
 * sent match the header's archive sha256, and the host hashed the same bytes.
 */
async function sendArchive(ctx: ActionContext, remote: RemoteHost, dir: string, h: BackupHeader, stage: string, key?: string): Promise<void> {
  const payload = path.join(dir, h.payload.file);
  let source: Readable;
  if (h.encrypted) {
    if (!key) throw new ActionError(`backup.restore: ${dir} is encrypted for key ${h.recipientFingerprint}; pass key: <private key file>`);
    try {
      // On the worker: the SSH channel and the hash of what is sent keep this thread busy, so
      // decrypting here would take turns with them.
      source = await openDecryptStream(payload, { keyFile: key, passphrase: await resolvePassphrase(ctx), onWorker: true });
    } catch (e) {
      if (e instanceof CryptoError) throw new ActionError(mask(`backup.restore: ${e.message}; nothing was restored`));
      throw e;
    }
  } else {
    source = createReadStream(payload, { highWaterMark: CHUNK });
  }
  let streamError: Error | undefined;
  // Bytes and rate for the live view: a large backup takes minutes to decrypt and upload.
  const phase = h.encrypted ? 'decrypting and uploading' : 'uploading';
  const meter = byteMeter((bytes, bytesPerSecond, elapsedMs) => {
    const progress: Progress = { phase, bytes, totalBytes: h.archive.size, bytesPerSecond, elapsedMs };
    ctx.emit({ kind: 'progress', message: progressText(ctx.host.name, progress), progress });
  });
  const tap = hashingPassThrough();
  source.on('error', (e) => {
    streamError ??= e;
    meter.destroy(e);
    tap.destroy(e);
  });
  source.pipe(meter).pipe(tap);
  const command = receiveArchiveCommand(stage);
  try {
    const r = await remote.exec(command, { stdin: tap, signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? 6 * 3_600_000 });
    if (streamError) throw streamError;
    const { sha256, bytes: sentBytes } = tap.result();
    if (sha256 !== h.archive.sha256 || sentBytes !== h.archive.size) {
      throw new ActionError(
        `${payload} does not match its header: got ${sentBytes} bytes sha256 ${sha256}, the header says ${h.archive.size} bytes sha256 ${h.archive.sha256} (truncated or corrupt)`,
      );
    }
    if (r.code !== 0) {
      const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
      throw new ActionError(`${ctx.host.name}: unpacking the backup failed (exit ${r.code ?? (r.timedOut ? 'timeout' : 'signal')})${tail ? `: ${tail}` : ''}`, { command, code: r.code, stdout: r.stdout, stderr: r.stderr });
    }
    const received = r.stdout.trim().split('\n').at(-1);
    if (received !== sha256) throw new ActionError(`${ctx.host.name} received other bytes than were sent: sha256 ${received ?? 'none'} there, ${sha256} here`);
  } catch (e) {
    source.destroy();
    meter.destroy();
    await remote.exec(removeCommand(stage), { timeoutMs: 120_000 }).catch(() => undefined);
    const err = streamError ?? e;
    if (err instanceof CryptoError) throw new ActionError(mask(`backup.restore: ${err.message}; nothing was restored`));
    if (err instanceof ActionError) throw new ActionError(mask(`${err.message}; nothing was restored`), err.detail);
    throw err;
  }
}

/**
 * Everything that can refuse a restore without changing anything: the header against the target
 * (host, instance, suffixes, version window), the key's fingerprint, and free disk space. Used by
 * backup.restore before it uploads, and on its own by backup.check (a playbook's preflight).
 */
export async function restorePreflight(ctx: ActionContext) {
  // Everything plan checks (header vs host, stored sha256, key fingerprint) before connecting.
  const { dir, h, method, chosen } = await planPreflight(ctx);
  // The newer backups `latest` passed over: the operator sees them before anything changes.
  if (chosen?.includes('; skipped')) ctx.emit({ kind: 'warning', message: chosen });
  const inst = instanceName(ctx.inventory, ctx.host);
  const force = ctx.args.force === true || ctx.args.force === 'true';
  const remote = await ctx.connect();
  const bak = bakDir(inst);
  // Three reads, one round trip: each waited on the one before cost this step and the restore step
  // ~0.15 s each in a data-loss run. The disk is judged after the header, as before.
  const disk = sh(remote, ctx, dfCommand(bak), 'checking free disk space', 30_000);
  disk.catch(() => undefined);
  const [{ dsVersion }, suffixes] = await Promise.all([hostVersion(remote, ctx.signal), heldSuffixes(ctx, remote, inst)]);
  const problems = restoreProblems(h, { host: ctx.host.name, instance: inst, suffixes, dsVersion, cluster: ctx.inventory.cluster });
  if (problems.refuse.length || (problems.forceable.length && !force)) {
    const all = [...problems.refuse, ...problems.forceable.map((p) => `${p} (force: true overrides)`)];
    throw new ActionError(`backup.restore: will not restore ${path.basename(dir)} on ${ctx.host.name}:\n  - ${all.join('\n  - ')}`);
  }
  for (const p of problems.forceable) ctx.emit({ kind: 'warning', message: `forced: ${p}` });

  const df = await disk;
  const free = Number(df.stdout.trim());
  const need = DISK_FACTOR * h.archive.size;
  if (!Number.isFinite(free) || free < need) {
    throw new ActionError(`${ctx.host.name}: not enough disk space in ${bak}: ${free} bytes free, the restore needs ${need} (${DISK_FACTOR} x the ${h.archive.size}-byte archive)`);
  }
  return { dir, h, method, inst, remote, bak, dsVersion };
}

/**
 * The suffixes the restore target really holds: its server's backends; when its server does not
 * answer (a crashed master restored offline), what topology.discover read from it (fact
 * `server_suffixes`); only then the inventory's list, which may be stale or absent.
 */
async function heldSuffixes(ctx: ActionContext, remote: RemoteHost, inst: string): Promise<string[]> {
  try {
    const backends = Object.keys(await serverBackends(remote, inst, ctx.signal));
    if (backends.length) return backends;
  } catch {
    // server down: fall through to what was discovered earlier in the run
  }
  const seen = (ctx.vars.server_suffixes as Record<string, unknown> | undefined)?.[ctx.host.name];
  return Array.isArray(seen) && seen.length ? seen.map(String) : hostSuffixes(ctx.inventory, ctx.host);
}

/**
 * What `plan` can check without connecting, so a plan refuses what a run would: the backup exists,
 * its header is valid, it fits this host (profile, host for a full backup, instance, suffixes),
 * the stored payload matches its sha256 and the key is the one it was encrypted for. The version
 * window needs the host's version: checked when the run connects.
 */
export async function planPreflight(ctx: ActionContext): Promise<{ dir: string; h: BackupHeader; method: RestoreMethod; chosen?: string }> {
  // First: `latest` with a key it cannot read skips every encrypted backup and picks an older clear
  // one (seen on a lab: a mistyped key path chose the previous day's backup).
  const given = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
  if (given) {
    await access(given, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
      throw new ActionError(`key ${given} cannot be read (${fileReason(e)}): give the private key file the backup was encrypted for, or no key for a clear backup`);
    });
  }
  const { dir, chosen } = await resolveBackupDir(ctx);
  const h = await readHeader(dir);
  const method = chooseMethod(h, ctx.args.method);
  const force = ctx.args.force === true || ctx.args.force === 'true';
  const problems = restoreProblems(h, { host: ctx.host.name, instance: instanceName(ctx.inventory, ctx.host), suffixes: hostSuffixes(ctx.inventory, ctx.host), cluster: ctx.inventory.cluster });
  const all = [...problems.refuse, ...(force ? [] : problems.forceable.map((p) => `${p} (force: true overrides)`))];
  const stored = await storedPayloadSha(path.join(dir, h.payload.file));
  if (stored.sha256 !== h.payload.sha256 || stored.size !== h.payload.size) {
    all.push(`${h.payload.file} does not match its header (${stored.size} bytes, sha256 ${stored.sha256}; header: ${h.payload.size} bytes, ${h.payload.sha256}): truncated or corrupt`);
  }
  const key = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
  if (h.encrypted && key) {
    const given = await keyFileFingerprint(key);
    if (given !== h.recipientFingerprint) all.push(`the backup was encrypted for key ${h.recipientFingerprint}; the given key is ${given} (${key})`);
  }
  if (all.length) throw new ActionError(`backup ${path.basename(dir)} cannot be restored on ${ctx.host.name}:\n  - ${all.join('\n  - ')}`);
  return { dir, h, method, chosen };
}

/** sha256 of a stored payload, once per file version (data-loss plans two steps on one backup). */
const payloadShas = new Map<string, Promise<{ sha256: string; size: number }>>();
async function storedPayloadSha(file: string): Promise<{ sha256: string; size: number }> {
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    throw new ActionError(`${file}: the backup payload is missing (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const key = `${file}:${info.size}:${info.mtimeMs}`;
  let p = payloadShas.get(key);
  if (!p) payloadShas.set(key, (p = sha256File(file)));
  return p;
}

export const backupRestore: Action = {
  name: 'backup.restore',
  description:
    'Restore a Lifeboat backup onto this host: check its header (host, instance, suffixes, version window) and the disk, decrypt while uploading, then an online restore task while the server answers (no restart), else bak2db / ldif2db with the server stopped, and start it. Peers must be re-initialized from this host afterwards.',
  destructive: true,
  args: {
    backup: { type: 'string', required: true, description: 'backup directory, a backup name in the cluster store, "latest" (newest that verifies; decrypt-verified with key) or "latest-good" (newest restore-tested)' },
    key: { type: 'string', description: 'OpenPGP private key file (needed for an encrypted backup)' },
    passphrase: { type: 'string', secret: true, description: 'passphrase of the private key (prefer passphrase_env, passphrase_file or an inventory secret)' },
    passphrase_env: { type: 'string', secretSource: 'env', description: 'environment variable holding the passphrase' },
    passphrase_file: { type: 'string', secretSource: 'file', description: 'file holding the passphrase (mode 0600)' },
    passphrase_secret: { type: 'string', default: DEFAULT_PASSPHRASE_SECRET, secretSource: 'inventory', secretOptional: true, description: 'inventory secret holding the passphrase (default backup_passphrase, used when the inventory has it)' },
    method: {
      type: 'string',
      default: 'auto',
      description: 'auto (db2bak/online backups: an online restore task when the server answers, else stop / bak2db / start; LDIF backups: ldif2db), bak2db, ldif2db or online',
    },
    force: { type: 'boolean', default: false, description: 'restore despite another host (full backup), another instance name or a version outside the window' },
    dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
  },
  async plan(ctx) {
    const { dir, h, method, chosen } = await planPreflight(ctx);
    const inst = instanceName(ctx.inventory, ctx.host);
    const host = ctx.host.name;
    const name = path.basename(dir);
    const stage = `${bakDir(inst)}/${name}.restore`;
    const out: PlannedCommand[] = [
      { host, command: FACTS_COMMAND, note: `version window vs backup ${h.dsVersion}` },
      { host, command: dfCommand(bakDir(inst)), note: `needs ${DISK_FACTOR} x ${h.archive.size} bytes` },
      { host, command: serverBackendsCommand(inst), note: 'the suffixes the server holds: the backup must hold every one (else what was discovered, else the inventory)' },
      {
        host,
        command: receiveArchiveCommand(stage),
        stdin: `${path.join(dir, h.payload.file)}${h.encrypted ? `, decrypted on the way with ${String(ctx.args.key ?? '<key>')} (recipient ${h.recipientFingerprint})` : ''}`,
        note: `${chosen ? `${chosen}; ` : ''}unpacked as it arrives; the sha256 sent and the one the host prints must both be ${h.archive.sha256}`,
      },
    ];
    for (const s of restoreHostSteps(inst, h, method, stage, `${name}-restore`)) out.push(planned(host, s));
    out.push({ host, command: removeCommand(stage) });
    return out;
  },
  async run(ctx) {
    const { dir, h, method, inst, remote, bak } = await restorePreflight(ctx);
    const key = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
    if (ctx.check) return { changed: false, summary: `check mode: ${path.basename(dir)} can be restored on ${ctx.host.name} with ${method}` };

    const name = path.basename(dir);
    const stage = `${bak}/${name}.restore`;
    const t0 = Date.now();
    await sendArchive(ctx, remote, dir, h, stage, key);
    const uploadMs = Date.now() - t0;
    try {
      const t1 = Date.now();
      const outputs = await runHostSteps(remote, ctx, inst, restoreHostSteps(inst, h, method, stage, `${name}-restore-${Date.now()}`));
      const restoreMs = Date.now() - t1;
      // The combined step reports which path ran and its host-side duration.
      const mark = parseRestoreMark(outputs.at(-1) ?? '');
      const used = mark ? (mark.path === 'online' ? 'online' : 'bak2db') : method;
      return {
        changed: true,
        summary: `restored ${name} (${h.method} backup of ${h.host}, ${h.time}) on ${ctx.host.name} with ${used}: upload ${uploadMs} ms, restore ${restoreMs} ms${mark ? ` (${mark.ms} ms on the host)` : ''}. Re-initialize every peer from ${ctx.host.name} now: their replicated state no longer matches`,
        output: { backup: dir, host: ctx.host.name, method: used, suffixes: h.suffixes, uploadMs, restoreMs, ...(mark ? { serverMs: mark.ms } : {}) },
      };
    } finally {
      await remote.exec(removeCommand(stage), { timeoutMs: 120_000 }).catch(() => undefined);
    }
  },
};
