import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readHeader, sha256File } from '../../../../backup/index.ts';
import { CryptoError, hashingPassThrough, openDecryptStream, readPrivateKeyFile, unlockPrivateKey } from '../../../../crypto/index.ts';
import { mask } from '../../../../util/secrets.ts';
import { ActionError, type Action, type ActionContext } from '../../../../actions/types.ts';
import { dfCommand, FACTS_COMMAND, bakDir } from './commands.ts';
import { backupRestore, DISK_FACTOR, planPreflight, restorePreflight } from './backup-restore.ts';
import { serverBackendsCommand } from './facts.ts';
import { resolvePassphrase } from '../../../../backup/passphrase.ts';
import { instanceName } from '../host-vars.ts';

/**
 * Reads the whole payload once and compares it with the header: for an encrypted backup this is a
 * full streaming decryption into a hash (nothing written), so a truncated or tampered file, a
 * wrong key or passphrase are all found before a playbook has changed anything.
 */
async function verifyPayload(ctx: ActionContext, dir: string): Promise<string> {
  const h = await readHeader(dir);
  const file = path.join(dir, h.payload.file);
  const stored = await sha256File(file);
  if (stored.sha256 !== h.payload.sha256 || stored.size !== h.payload.size) {
    throw new ActionError(`${file} does not match its header (${stored.size} bytes, sha256 ${stored.sha256}; header: ${h.payload.size} bytes, ${h.payload.sha256}): truncated or corrupt`);
  }
  if (!h.encrypted) return 'payload sha256 verified';
  const key = typeof ctx.args.key === 'string' && ctx.args.key ? ctx.args.key : undefined;
  // Without the key only the stored file can be checked; the restore step will need the key.
  if (!key) return `payload sha256 verified; not decrypted (no key given; it is encrypted for ${h.recipientFingerprint})`;
  const hasher = hashingPassThrough();
  try {
    await pipeline(await openDecryptStream(file, { keyFile: key, passphrase: await resolvePassphrase(ctx) }), hasher, async function* (src) {
      for await (const _ of src) {
        // Only the hash matters here.
      }
    });
  } catch (e) {
    if (e instanceof CryptoError) throw new ActionError(mask(e.message));
    throw e;
  }
  const r = hasher.result();
  if (r.sha256 !== h.archive.sha256) throw new ActionError(`${file} decrypts to an archive that does not match its header (sha256 ${r.sha256}, header ${h.archive.sha256})`);
  return 'payload decrypted and verified';
}

export const backupCheck: Action = {
  name: 'backup.check',
  readOnly: true,
  description:
    'Preflight of backup.restore, changing nothing: the header matches this host (host for a full backup, instance, suffixes, version window), the key and passphrase open it, the payload is intact (decrypted into a hash), and the host has disk space',
  args: {
    ...backupRestore.args,
    verify_payload: { type: 'boolean', default: true, description: 'read (and decrypt) the whole payload to check it against the header' },
  },
  async plan(ctx) {
    const { dir } = await planPreflight(ctx);
    const inst = instanceName(ctx.inventory, ctx.host);
    const h = ctx.host.name;
    return [
      { host: 'controller', command: `read header.json of ${dir}`, note: 'checked now: header fits this host, stored payload sha256, key fingerprint' },
      { host: h, command: FACTS_COMMAND, note: 'version window' },
      { host: h, command: dfCommand(bakDir(inst)), note: `needs ${DISK_FACTOR} x the archive size` },
      { host: h, command: serverBackendsCommand(inst), note: 'the suffixes the server holds: the backup must hold every one (else what was discovered, else the inventory)' },
      ...(ctx.args.verify_payload === false ? [] : [{ host: 'controller', command: 'decrypt the payload into a sha256 (nothing written) and compare with the header' }]),
    ];
  },
  async run(ctx) {
    const { dir, h, method } = await restorePreflight(ctx);
    const notes: string[] = [];
    if (ctx.args.verify_payload !== false && ctx.args.verify_payload !== 'false') notes.push(await verifyPayload(ctx, dir));
    else if (h.encrypted && typeof ctx.args.key === 'string' && ctx.args.key) {
      // At least prove the passphrase opens the key.
      try {
        await unlockPrivateKey(await readPrivateKeyFile(ctx.args.key), ctx.args.key, await resolvePassphrase(ctx));
      } catch (e) {
        if (e instanceof CryptoError) throw new ActionError(mask(e.message));
        throw e;
      }
      notes.push('key unlocked');
    }
    return {
      changed: false,
      summary: `${path.basename(dir)} (${h.type}, ${h.method}, from ${h.host} at ${h.time}) can be restored on ${ctx.host.name} with ${method}${notes.length ? `; ${notes.join(', ')}` : ''}`,
      output: { backup: dir, method, encrypted: h.encrypted },
    };
  },
};
