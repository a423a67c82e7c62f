import { existsSync } from 'node:fs';
import path from 'node:path';
import { readEnvelope, resolveBackupRoot, sha256File, type BackupEnvelope } from '../../../backup/index.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { latestVerifiedBackup, skippedText } from '../../../backup/latest.ts';
import { checkCtmBody, CTM_ARCHIVE_LAYOUT as profileCiphertrustLayout, listCtmBackups, type CtmEnvelope } from '../catalog.ts';
import { ltsReleases, nodeFor, planSteps, stepOptions, CTM_SECRET_ARGS } from '../context.ts';
import { runCtmSteps } from '../run-steps.ts';
import type { CtmStep } from '../steps.ts';
import { restoreWindow } from '../version-window.ts';
import { bool, str } from './args.ts';

/** The catalog entry to restore: a directory, or the newest of the cluster (of `scope` when given). */
async function pick(ctx: ActionContext): Promise<{ dir: string; env: CtmEnvelope }> {
  const given = str(ctx.args.backup);
  const scope = str(ctx.args.scope);
  if (given && given !== 'latest') {
    const dir = path.resolve(path.dirname(ctx.inventory.file), given);
    let env: BackupEnvelope;
    try {
      env = await readEnvelope(dir, checkCtmBody);
    } catch (e) {
      throw new ActionError(`${ctx.host.name}: backup.restore: ${(e as Error).message}`);
    }
    if (env.profile !== 'ciphertrust') throw new ActionError(`${ctx.host.name}: backup.restore: ${dir} is a ${env.profile} backup, not a ciphertrust one`);
    return { dir, env: env as unknown as CtmEnvelope };
  }
  const root = resolveBackupRoot(ctx.inventory, str(ctx.args.dest));
  const usable = new Map((await listCtmBackups(root, ctx.inventory.cluster)).filter((b) => b.env && (!scope || b.env.body.scope === scope)).map((b) => [b.dir, b.env!]));
  if (usable.size === 0) throw new ActionError(`${ctx.host.name}: backup.restore: no ${scope ? `${scope} ` : ''}CipherTrust backup of cluster ${ctx.inventory.cluster} under ${root}`);
  // `latest` = the newest whose stored file still matches its sha256 (only the product can open it).
  const c = await latestVerifiedBackup(root, ctx.inventory.cluster, { accept: (b) => usable.has(b.dir), what: `${scope ? `${scope} ` : ''}CipherTrust backup`, layout: profileCiphertrustLayout });
  if (!c.dir) throw new ActionError(`${ctx.host.name}: backup.restore: ${c.why}${skippedText(c)}`);
  if (c.skipped.length) ctx.emit({ kind: 'warning', message: `backup=latest: ${c.why}${skippedText(c)}` });
  return { dir: c.dir, env: usable.get(c.dir)! };
}

export function restoreSteps(node: string, dir: string, env: CtmEnvelope, force: boolean): CtmStep[] {
  const b = env.body;
  const steps: CtmStep[] = [{ what: 'check that no backup or restore is running', node, call: { kind: 'guard-idle' } }];
  if (b.keyFile) steps.push({ what: `upload backup key ${b.backupKey}`, node, call: { kind: 'key-upload', file: path.join(dir, b.keyFile.file), scope: b.scope } });
  steps.push(
    { what: `upload backup ${b.backupId}`, node, call: { kind: 'backup-upload', file: path.join(dir, env.payload.file), scope: b.scope }, saveAs: 'backup_id' },
    { what: `restore ${b.scope} backup \${backup_id}${force ? ' (force)' : ''}`, node, call: { kind: 'restore', id: '${backup_id}', force } },
    { what: 'wait for the restore of ${backup_id} to be Completed', node, call: { kind: 'wait-op', op: 'restore', id: '${backup_id}' } },
  );
  return steps;
}

/**
 * Every refusal of a restore that needs the node, read-only: the stored file against its header,
 * the release window, the cluster membership of a system restore (`inCluster`: false when the
 * playbook takes the node out of its cluster next), an operation In Progress, the backup key.
 */
async function restoreRefusals(ctx: ActionContext, action: string, inCluster: boolean) {
  const force = bool(ctx.args.force);
  const { dir, env } = await pick(ctx);
  const b = env.body;
  const who = `${ctx.host.name}: ${action}`;
  const file = path.join(dir, env.payload.file);
  const got = await sha256File(file).catch(() => undefined);
  if (!got || got.sha256 !== env.payload.sha256) throw new ActionError(`${who}: ${file} does not match its header (sha256 ${got?.sha256 ?? 'unreadable'}, header ${env.payload.sha256}); nothing was changed`);
  const node = await nodeFor(ctx);
  const { version } = await node.info();
  const verdict = restoreWindow(b.release, version, { force, lts: ltsReleases(ctx.inventory) });
  if (!verdict.ok) throw new ActionError(`${who}: ${verdict.reason}; nothing was changed`);
  if (verdict.forced) ctx.emit({ kind: 'warning', message: `${who}: ${verdict.reason}` });
  if (inCluster && b.scope === 'system') {
    const cl = await node.cluster();
    if (cl.nodeID) throw new ActionError(`${who}: ${ctx.host.name} is a cluster member and a system backup cannot be restored on a cluster node (seed 003); remove it first (cluster.remove), restore, then rebuild the cluster from it; nothing was changed`);
  }
  const busy = await node.busy();
  if (busy) throw new ActionError(`${who}: a ${busy.operation ?? 'backup or restore'} (${busy.id ?? '?'}) is In Progress; nothing was changed`);
  const haveKey = (await node.keys()).some((k) => k.id === b.backupKey);
  if (!haveKey && !(b.keyFile && existsSync(path.join(dir, b.keyFile.file)))) {
    throw new ActionError(`${who}: backup key ${b.backupKey} is not on ${ctx.host.name} and ${dir} has no key file; import it first (backupkeys op: import) or back up with include_key: true; nothing was changed`);
  }
  if (b.tiedToHsm) ctx.emit({ kind: 'warning', message: `${who}: the backup is tied to an HSM: it restores only where the same HSM root-of-trust key is active` });
  return { dir, env, version, verdict };
}

/**
 * Restores a catalog backup on one node: uploads the verified file (and its key file when the
 * catalog has one), restores, waits. Refused before any change: a release outside the window
 * (unless force), a release older than the backup's (always), a system backup on a node that is
 * still a cluster member, a node already running a backup or restore, a missing backup key.
 */
export const backupRestoreAction: Action = {
  name: 'backup.restore',
  description: 'Restore a CipherTrust Manager backup from the controller catalog on one node (version window, force, system backups only on a node removed from its cluster).',
  destructive: true,
  args: {
    ...CTM_SECRET_ARGS,
    backup: { type: 'string', default: 'latest', description: 'Catalog directory of the backup, or latest (the newest of the cluster)' },
    scope: { type: 'string', description: 'With latest: only backups of this scope' },
    force: { type: 'boolean', default: false, description: 'Restore outside the release window (never onto an older release); warned' },
    dest: { type: 'string', description: 'Catalog root (default inventory var backup_dir, else ./backups)' },
  },
  async plan(ctx) {
    const { dir, env } = await pick(ctx);
    return planSteps(ctx, restoreSteps(ctx.host.name, dir, env, bool(ctx.args.force)));
  },
  async run(ctx) {
    const force = bool(ctx.args.force);
    const { dir, env, version, verdict } = await restoreRefusals(ctx, 'backup.restore', true);
    const b = env.body;
    if (ctx.check) return { changed: false, summary: `would restore ${b.scope} backup ${b.backupId} (release ${b.release}) on ${ctx.host.name} (release ${version})` };
    const vars: Record<string, string> = {};
    await runCtmSteps(restoreSteps(ctx.host.name, dir, env, force), stepOptions(ctx, vars));
    return {
      changed: true,
      output: { backup: dir, id: vars.backup_id, release: b.release, nodeRelease: version, forced: verdict.forced },
      summary: `restored ${b.scope} backup ${b.backupId} (release ${b.release}) on ${ctx.host.name} (release ${version})${verdict.forced ? ' with force' : ''}`,
    };
  },
};

/**
 * The restore's refusals alone, changing nothing: a playbook runs it before it takes the node out
 * of its cluster, so a missing key or a release outside the window stops the run with the cluster
 * intact (the restore itself would only find out after the node had left).
 */
export const backupCheckAction: Action = {
  name: 'backup.check',
  readOnly: true,
  description: 'Check, changing nothing, that a catalog backup restores on this node: file against its header, release window, no operation In Progress, the backup key on the node or in the catalog. Cluster membership is not checked (the playbook removes the node next)',
  args: backupRestoreAction.args,
  async plan(ctx) {
    const { dir, env } = await pick(ctx);
    return [
      { host: 'controller', command: `sha256 ${path.join(dir, env.payload.file)}`, note: 'must match header.json' },
      ...planSteps(ctx, [{ what: 'release window, no operation In Progress, backup key present', node: ctx.host.name, call: { kind: 'guard-idle' } }]),
    ];
  },
  async run(ctx) {
    const { env, version, verdict } = await restoreRefusals(ctx, 'backup.check', false);
    const b = env.body;
    return { changed: false, summary: `${b.scope} backup ${b.backupId} (release ${b.release}) restores on ${ctx.host.name} (release ${version})${verdict.forced ? ' with force' : ''}; its backup key ${b.backupKey} is ${b.keyFile ? 'in the catalog' : 'on the node'}` };
  },
};
