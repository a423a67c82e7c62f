import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readEnvelope, resolveBackupRoot, type BackupEnvelope, type BackupListing } from '../../../backup/index.ts';
import { latestGoodBackup } from '../../../backup/latest-good.ts';
import { latestVerifiedBackup, skippedText, type LatestChoice } from '../../../backup/latest.ts';
import { mask } from '../../../util/secrets.ts';
import { archiveLayoutKts } from '../backup-archive.ts';
import { CryptoError, hashingPassThrough, openDecryptStream } from '../../../crypto/index.ts';
import { resolvePassphrase } from '../../../backup/passphrase.ts';
import { ActionError, type ActionContext, type ArgSpec } from '../../../actions/types.ts';
import { pairOf } from '../kts-vars.ts';
import { checkKtsBody, type KtsBackupBody } from './backup-name.ts';

/** Arguments every action that reads a backup takes (the passphrase only ever from a secret source). */
export const BACKUP_SOURCE_ARGS: Record<string, ArgSpec> = {
  backup: { type: 'string', required: true, description: 'backup directory, its name in the cluster\'s store, "latest" (the newest that verifies; decrypt-verified with key) or "latest-good" (the newest restore-tested)' },
  key: { type: 'string', description: 'OpenPGP private key file that decrypts an encrypted backup' },
  passphrase: { type: 'string', secret: true, description: 'passphrase of that key (prefer passphrase_env / passphrase_file / the inventory secret backup_passphrase)' },
  passphrase_env: { type: 'string', description: 'environment variable holding the passphrase' },
  passphrase_file: { type: 'string', description: 'file (0600) holding the passphrase' },
  passphrase_secret: { type: 'string', description: 'inventory secret holding the passphrase (default backup_passphrase)' },
  dest: { type: 'string', description: 'backup root on the controller (default: inventory var backup_dir, else ./backups)' },
};

export interface KtsBackup {
  dir: string;
  /** How `latest` chose it (and what it skipped), for the plan. */
  chosen?: string;
  env: BackupEnvelope;
  body: KtsBackupBody;
}

async function resolveDir(ctx: ActionContext): Promise<{ dir: string; chosen?: string }> {
  const ref = ctx.args.backup;
  if (typeof ref !== 'string' || !ref) throw new ActionError('the backup argument (a backup directory, a backup name or "latest") is required');
  const root = resolveBackupRoot(ctx.inventory, typeof ctx.args.dest === 'string' && ctx.args.dest ? ctx.args.dest : undefined);
  if (ref === 'latest') {
    // The newest server backup that verifies (decrypt-verified when the key is given), not merely the newest.
    const keyFile = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
    const key = keyFile ? { file: keyFile, passphrase: await resolvePassphrase(ctx) } : undefined;
    const accept = (b: BackupListing) => b.envelope?.profile === 'keytrustee' && (b.envelope.body as { kind?: string }).kind === 'server';
    let c: LatestChoice;
    try {
      c = await latestVerifiedBackup(root, ctx.inventory.cluster, { accept, what: 'Key Trustee server backup', key, layout: archiveLayoutKts });
    } catch (e) {
      throw new ActionError(mask(`backup=latest: ${(e as Error).message}`));
    }
    if (!c.dir) throw new ActionError(mask(`backup=latest: ${c.why}${skippedText(c)}`));
    const chosen = mask(`backup=latest: ${c.why}${skippedText(c)}`);
    if (c.skipped.length) ctx.emit({ kind: 'warning', message: chosen });
    return { dir: c.dir, chosen };
  }
  if (ref === 'latest-good') {
    const good = await latestGoodBackup(root, ctx.inventory.cluster);
    if (!good.dir) throw new ActionError(good.why);
    return { dir: good.dir, chosen: `backup=latest-good: ${good.why}` };
  }
  if (existsSync(ref)) return { dir: path.resolve(ref) };
  const inStore = path.join(root, ctx.inventory.cluster, ref);
  if (existsSync(inStore)) return { dir: inStore };
  throw new ActionError(`no backup at ${ref} (nor ${inStore})`);
}

/**
 * The backup, refused unless it is a Key Trustee server backup of this cluster taken on a host of
 * this pair (never another cluster's keys, never a KMS client's confdir over a server).
 */
export async function openKtsBackup(ctx: ActionContext): Promise<KtsBackup> {
  const { dir, chosen } = await resolveDir(ctx);
  let env: BackupEnvelope;
  try {
    env = await readEnvelope(dir, checkKtsBody);
  } catch (e) {
    throw new ActionError((e as Error).message);
  }
  const problems: string[] = [];
  if (env.profile !== 'keytrustee') problems.push(`it is a ${env.profile} backup, not a keytrustee one`);
  if (env.cluster !== ctx.inventory.cluster) problems.push(`it is a backup of cluster ${env.cluster}, not ${ctx.inventory.cluster}`);
  const body = env.body as unknown as KtsBackupBody;
  if (body.kind !== 'server') problems.push(`it is a ${body.kind} client backup (confdir only); it is never restored over the Key Trustee pair`);
  const { active, passive } = pairOf(ctx.inventory);
  const pairHost = [active, passive].find((h) => h.name === env.host);
  if (!pairHost) problems.push(`it was taken on ${env.host} (${env.hostname}), which is not ${active.name} or ${passive.name} of this pair`);
  const fqdn = pairHost?.vars?.fqdn;
  if (pairHost && typeof fqdn === 'string' && fqdn && fqdn !== env.hostname) problems.push(`it was taken on ${env.hostname}, but ${pairHost.name} is ${fqdn} in the inventory`);
  if (problems.length) throw new ActionError(`refusing backup ${dir}: ${problems.join('; ')}`);
  return { dir, env, body, chosen };
}

/** The clear tar as a stream: decrypted on the fly when the backup is encrypted. */
export async function openArchive(ctx: ActionContext, b: KtsBackup): Promise<Readable> {
  const file = path.join(b.dir, b.env.payload.file);
  if (b.env.encryption.kind === 'none') return createReadStream(file);
  const key = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
  if (!key) throw new ActionError(`backup ${b.dir} is encrypted for ${b.env.encryption.recipientFingerprint}: give key (the private key file)`);
  try {
    return await openDecryptStream(file, { keyFile: key, passphrase: await resolvePassphrase(ctx) });
  } catch (e) {
    throw new ActionError(e instanceof CryptoError ? `cannot decrypt ${file}: ${e.message}` : (e as Error).message);
  }
}

/** Reads the whole archive (decrypting) and compares it with the header: wrong key or truncation fail here, before any change. */
export async function verifyArchive(ctx: ActionContext, b: KtsBackup): Promise<void> {
  const hasher = hashingPassThrough();
  const discard = new Writable({ write: (_c, _e, cb) => cb() });
  try {
    await pipeline(await openArchive(ctx, b), hasher, discard);
  } catch (e) {
    throw new ActionError(`backup ${b.dir} cannot be read: ${(e as Error).message}`);
  }
  const r = hasher.result();
  if (r.sha256 !== b.env.archive.sha256 || r.bytes !== b.env.archive.size) {
    throw new ActionError(`backup ${b.dir} is damaged: the archive is ${r.bytes} bytes, sha256 ${r.sha256}; the header says ${b.env.archive.size} bytes, sha256 ${b.env.archive.sha256}`);
  }
}
