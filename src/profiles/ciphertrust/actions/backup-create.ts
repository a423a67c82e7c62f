import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createBackupDir, resolveBackupRoot, toolVersion } from '../../../backup/index.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import type { BackupInfo, Scope } from '../api-paths.ts';
import { KEY_FILE, PAYLOAD_FILE, rollCtmBackups, typeOfScope, writeCtmHeader, type CtmEnvelope } from '../catalog.ts';
import { apiUrl, nodeFor, planSteps, stepOptions, CTM_SECRET_ARGS } from '../context.ts';
import { runCtmSteps } from '../run-steps.ts';
import type { CtmStep } from '../steps.ts';
import { bool, count, scopeArg, str } from './args.ts';

interface Args {
  scope: Scope;
  key?: string;
  description: string;
  tiedToHsm: boolean;
  domain?: string;
  includeKey: boolean;
  roll?: number;
  dest?: string;
}

function readArgs(ctx: ActionContext): Args {
  const a = ctx.args;
  const scope = scopeArg(ctx, 'backup.create');
  const tiedToHsm = bool(a.tied_to_hsm);
  if (tiedToHsm && scope === 'domain') throw new ActionError(`${ctx.host.name}: backup.create: tied_to_hsm is for system backups only (seed 003: "This option is invalid for domain scoped backups"); nothing was changed`);
  const roll = count(ctx, 'backup.create', 'roll', a.roll, 0);
  return {
    scope,
    key: str(a.key),
    description: str(a.description) ?? `lifeboat backup of ${ctx.inventory.cluster}`,
    tiedToHsm,
    domain: str(a.domain),
    includeKey: bool(a.include_key),
    roll: roll === 0 ? undefined : roll,
    dest: str(a.dest),
  };
}

/** The node-side steps; `${dir}` is the catalog directory made at run time. */
export function backupSteps(node: string, a: Args): CtmStep[] {
  const steps: CtmStep[] = [
    { what: 'check that no backup or restore is running', node, call: { kind: 'guard-idle' } },
    { what: `create a ${a.scope} backup`, node, call: { kind: 'backup-create', scope: a.scope, keyId: a.key, description: a.description, tiedToHsm: a.tiedToHsm, domain: a.domain }, saveAs: 'backup_id' },
    { what: 'wait for backup ${backup_id} to be Completed', node, call: { kind: 'wait-op', op: 'backup', id: '${backup_id}' } },
    { what: 'read backup ${backup_id}', node, call: { kind: 'backup-get', id: '${backup_id}' } },
    { what: 'download backup ${backup_id} to the catalog', node, call: { kind: 'backup-download', id: '${backup_id}', file: `\${dir}/${PAYLOAD_FILE}` } },
  ];
  if (a.includeKey) steps.push({ what: 'export backup key ${key_id} to the catalog', node, call: { kind: 'key-export', id: '${key_id}', file: `\${dir}/${KEY_FILE}` } });
  return steps;
}

/**
 * Takes a backup on the node (encrypted by the named or the default backup key of its scope),
 * waits for "Completed", and keeps it in the controller catalog with its sha256 and the common
 * header; `roll` keeps the newest N of the scope. Refuses a wrong scope, an unknown key, a key of
 * the other scope and a node already busy before anything is created.
 */
export const backupCreateAction: Action = {
  name: 'backup.create',
  description: 'Back up a CipherTrust Manager node (system or domain scope) and download the backup into the controller catalog with its sha256 and header.',
  destructive: false,
  args: {
    ...CTM_SECRET_ARGS,
    scope: { type: 'string', default: 'system', description: 'system or domain' },
    key: { type: 'string', description: 'Backup key id (default: the default backup key of the scope)' },
    description: { type: 'string', description: 'Description stored with the backup on the node' },
    tied_to_hsm: { type: 'boolean', default: false, description: 'System backups only: restorable only where the same HSM root-of-trust key is active' },
    domain: { type: 'string', description: 'Domain scoped backups: the domain (default: the log-in domain)' },
    include_key: { type: 'boolean', default: false, description: 'Also export the backup key (protected by secret backup_key_password) next to the backup' },
    roll: { type: 'number', default: 0, description: 'Keep only the newest N backups of this scope (0 keeps all)' },
    dest: { type: 'string', description: 'Catalog root (default inventory var backup_dir, else ./backups)' },
  },
  plan(ctx) {
    return planSteps(ctx, backupSteps(ctx.host.name, readArgs(ctx)));
  },
  async run(ctx) {
    const a = readArgs(ctx);
    const node = await nodeFor(ctx);
    // Every check is a read: a refusal leaves the node and the catalog as they were.
    const keys = await node.keys();
    const key = a.key ? keys.find((k) => k.id === a.key || k.name === a.key) : keys.find((k) => k.scope === a.scope && k.default);
    if (!key) {
      const known = keys.map((k) => `${k.id} (${k.scope}${k.default ? ', default' : ''})`).join(', ') || 'none';
      throw new ActionError(a.key
        ? `${ctx.host.name}: backup.create: unknown backup key ${a.key} on this node (backup keys live only on the node that made or imported them; keys here: ${known}); nothing was changed`
        : `${ctx.host.name}: backup.create: the node has no default ${a.scope} backup key (keys here: ${known}); create one with backupkeys op: create, default: true`);
    }
    if (key.scope !== a.scope) throw new ActionError(`${ctx.host.name}: backup.create: backup key ${key.id} is ${key.scope} scoped; a ${a.scope} backup needs a ${a.scope} scoped key; nothing was changed`);
    const busy = await node.busy();
    if (busy) throw new ActionError(`${ctx.host.name}: backup.create: a ${busy.operation ?? 'backup or restore'} (${busy.id ?? '?'}) is In Progress; the product allows one at a time; nothing was changed`);
    if (ctx.check) return { changed: false, summary: `would back up ${ctx.host.name} (${a.scope}, key ${key.id})` };

    const root = resolveBackupRoot(ctx.inventory, a.dest);
    const { dir, time } = await createBackupDir(root, ctx.inventory.cluster, typeOfScope(a.scope));
    const vars: Record<string, string> = { dir, key_id: key.id };
    try {
      const steps = backupSteps(ctx.host.name, { ...a, key: key.id });
      const results = await runCtmSteps(steps, stepOptions(ctx, vars));
      const info = results[3] as BackupInfo;
      const payload = results[4] as { size: number; sha256: string };
      const keyFile = a.includeKey ? (results[5] as { size: number; sha256: string }) : undefined;
      const env: CtmEnvelope = {
        format: 'lifeboat-backup',
        formatVersion: 2,
        profile: 'ciphertrust',
        cluster: ctx.inventory.cluster,
        host: ctx.host.name,
        hostname: new URL(apiUrl(ctx.host)).host,
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        payload: { file: PAYLOAD_FILE, ...payload },
        archive: { ...payload },
        encryption: { kind: 'none' },
        toolVersion: await toolVersion(),
        body: {
          scope: a.scope, backupId: info.id, release: info.version, backupKey: info.backupKey ?? key.id, description: a.description, tiedToHsm: a.tiedToHsm,
          ...(a.domain ? { domain: a.domain } : {}),
          ...(keyFile ? { keyFile: { file: KEY_FILE, ...keyFile } } : {}),
        },
      };
      await writeCtmHeader(dir, env);
      const rolled = a.roll ? await rollCtmBackups(root, ctx.inventory.cluster, a.scope, a.roll) : [];
      return {
        changed: true,
        output: { dir, id: info.id, release: info.version, sha256: payload.sha256, size: payload.size, rolled },
        summary: `${a.scope} backup ${info.id} of ${ctx.host.name} (release ${info.version}, key ${key.id}) → ${path.basename(dir)}${rolled.length ? `; rolled ${rolled.length}` : ''}`,
      };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  },
};
