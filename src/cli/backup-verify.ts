import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readRestoreTests } from '../backup/restore-tests.ts';
import { InputError } from '../util/errors.ts';
import { runAction, type CliContext } from './common.ts';
import { DEFAULT_PASSPHRASE_ENV, passphrase } from './passphrase.ts';

/** The restore-tested column of `backup list`: the newest run that restored and verified it. */
export async function restoreTestedText(backupDir: string): Promise<{ text: string; runId?: string }> {
  const tests = await readRestoreTests(backupDir);
  const last = tests.at(-1);
  return last ? { text: `restore-tested by run ${last.runId} (${last.time})`, runId: last.runId } : { text: 'not restore-tested' };
}

interface VerifyFlags {
  inventory: string;
  dir?: string;
  all?: boolean;
  json?: boolean;
  key?: string;
  passphraseEnv?: string;
  passphraseFile?: string;
}

/**
 * `lifeboat backup verify [NAME|--all] -i INV [--key FILE]`: re-hashes each payload against its
 * header; with the key, stream-decrypts an encrypted one and reads it as the tar its profile
 * makes (nothing is written: the plaintext passes through a hash and a tar header reader). Each
 * result is recorded in the backup's catalog (verifications.jsonl); exit 1 when one fails.
 */
export function registerBackupVerify(backup: Command, ctx: CliContext): void {
  backup
    .command('verify [name]')
    .description("verify a backup (or --all) without restoring it: re-hash the payload; with --key, decrypt it on the fly and read its tar; exit 1 when one does not verify")
    .requiredOption('-i, --inventory <file>', 'inventory of the cluster')
    .option('--dir <dir>', 'backup root (default: inventory var backup_dir, else ./backups)')
    .option('--all', 'every backup of the cluster')
    .option('--key <file>', 'private key file: decrypt-verify encrypted backups (unencrypted ones are read as their tar either way)')
    .option('--passphrase-env <var>', `environment variable holding the key passphrase (default ${DEFAULT_PASSPHRASE_ENV})`)
    .option('--passphrase-file <file>', 'file holding the key passphrase')
    .option('--json', 'one JSON object per backup per line')
    .action((name: string | undefined, flags: VerifyFlags) =>
      runAction(ctx, async () => {
        if (!name && !flags.all) throw new InputError('name a backup (see `lifeboat backup list`) or give --all');
        if (flags.key && !existsSync(flags.key)) throw new InputError(`--key ${flags.key}: no such file`);
        // Loaded when it runs, like the rest of `backup`: `--help` stays light.
        const { listBackups, resolveBackupRoot } = await import('../backup/index.ts');
        const { verifyBackup, verifyText } = await import('../backup/verify.ts');
        const { recordVerification } = await import('../backup/verifications.ts');
        const { archiveLayoutFor } = await import('../profiles/backup-layout.ts');
        const { loadInventory } = await import('../inventory/index.ts');
        const inv = await loadInventory(flags.inventory);
        const root = resolveBackupRoot(inv, flags.dir);
        const all = (await listBackups(root, inv.cluster)).filter((b) => flags.all || b.name === name);
        if (name && all.length === 0) throw new InputError(`no backup ${name} of cluster ${inv.cluster} in ${root}`);
        const key = flags.key ? await unlockedKey(flags.key, await passphrase(flags, ctx)) : undefined;
        let bad = 0;
        for (const b of all) {
          const r = b.envelope
            ? await verifyBackup(b.dir, b.envelope, { key: key && { file: key.file, passphrase: key.passphrase }, layout: await archiveLayoutFor(b.envelope) })
            : { ok: false, how: 'sha256' as const, problem: b.problem ?? 'no header' };
          if (!r.ok) bad++;
          // An incomplete directory may be a backup still being written: record nothing in it.
          if (b.envelope) await recordVerification(b.dir, r, { key: key?.fingerprint });
          const encrypted = b.envelope?.encryption.kind === 'openpgp';
          if (flags.json) ctx.io.stdout.write(`${JSON.stringify({ name: b.name, ok: r.ok, how: r.how, problem: r.problem, entries: (r as { entries?: number }).entries, encrypted })}\n`);
          else ctx.io.stdout.write(`${b.name}  ${verifyText(r)}\n`);
        }
        if (!flags.json && all.length === 0) ctx.io.stdout.write(`No backups of cluster ${inv.cluster} in ${root}.\n`);
        return bad ? 1 : 0;
      }),
    );
}

/** Unlocked once, before any backup is read: a wrong passphrase is the operator's error (exit 2), not a failed backup. */
async function unlockedKey(file: string, pass: string): Promise<{ file: string; passphrase: string; fingerprint: string }> {
  const { CryptoError, formatKeyId, readPrivateKeyFile, unlockPrivateKey } = await import('../crypto/index.ts');
  try {
    const key = await readPrivateKeyFile(file);
    await unlockPrivateKey(key, file, pass);
    return { file, passphrase: pass, fingerprint: formatKeyId(key.getFingerprint()) };
  } catch (e) {
    if (e instanceof CryptoError) throw new InputError(e.message);
    throw e;
  }
}
