import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../util/errors.ts';
import { registerBackupVerify, restoreTestedText } from './backup-verify.ts';
import { DEFAULT_PASSPHRASE_ENV, passphrase } from './passphrase.ts';
import { runAction, type CliContext } from './common.ts';

/**
 * `lifeboat backup list|decrypt` and `lifeboat keys generate`. What they run (openpgp, the inventory
 * loader) is imported when they run, so `lifeboat --help` does not wait for it.
 */

function processContext(): CliContext {
  return { io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, setExit: (c) => (process.exitCode = c) };
}

function size(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** `ctx` is for tests; the CLI passes only the program, and output goes to the process streams. */
export function registerBackupCommands(program: Command, ctx: CliContext = processContext()): void {
  const backup = program.command('backup').description('backups on the controller (taken by the backup playbook / backup.create)');

  backup
    .command('list')
    .description("list a cluster's backups, oldest first, with what their headers say")
    .requiredOption('-i, --inventory <file>', 'inventory of the cluster')
    .option('--dir <dir>', 'backup root (default: inventory var backup_dir, else ./backups)')
    .option('--json', 'one JSON object per backup per line')
    .action((flags: { inventory: string; dir?: string; json?: boolean }) =>
      runAction(ctx, async () => {
        const { loadInventory } = await import('../inventory/index.ts');
        const { listBackups, resolveBackupRoot } = await import('../backup/index.ts');
        const { findProfile, loadProfiles } = await import('../profiles/registry.ts');
        await loadProfiles();
        const { readVerifications, verificationText } = await import('../backup/verifications.ts');
        const lastVerified = async (dir: string) => (await readVerifications(dir)).at(-1);
        const inv = await loadInventory(flags.inventory);
        const root = resolveBackupRoot(inv, flags.dir);
        const list = await listBackups(root, inv.cluster);
        if (flags.json) {
          for (const b of list) ctx.io.stdout.write(`${JSON.stringify({ dir: b.dir, name: b.name, type: b.type, time: b.time.toISOString(), header: b.header, ...(b.header ? {} : { envelope: b.envelope }), ...(b.envelope ? { file: `${b.dir}/${b.envelope.payload.file}` } : {}), problem: b.problem, restoreTestedBy: (await restoreTestedText(b.dir)).runId, verified: await lastVerified(b.dir) })}\n`);
          return 0;
        }
        if (list.length === 0) {
          ctx.io.stdout.write(`No backups of cluster ${inv.cluster} in ${root}.\n`);
          return 0;
        }
        for (const b of list) {
          const h = b.header;
          const e = b.envelope;
          // Format 2 (other profiles): the profile words its own body.
          const other = e && !h ? findProfile(e.profile)?.describeBackupBody?.(e.body) ?? (e.encryption.kind === 'openpgp' ? `encrypted for ${e.encryption.recipientFingerprint}` : 'NOT encrypted') : '';
          ctx.io.stdout.write(
            h
              ? `${b.name}  ${h.host}  ${h.method}  ${h.suffixes.join(',')}  ${size(h.archive.size)}  ${h.encrypted ? `encrypted for ${h.recipientFingerprint}` : 'NOT encrypted'}  ${verificationText(await lastVerified(b.dir))}  ${(await restoreTestedText(b.dir)).text}\n`
              : e
                ? `${b.name}  ${e.host}  ${e.profile}  ${size(e.payload.size)}  ${other}  ${verificationText(await lastVerified(b.dir))}  ${(await restoreTestedText(b.dir)).text}\n`
                : `${b.name}  INCOMPLETE: ${b.problem}\n`,
          );
        }
        return 0;
      }),
    );

  registerBackupVerify(backup, ctx);

  backup
    .command('decrypt <file>')
    .description('decrypt a backup payload (streaming; the output appears only once its integrity is verified)')
    .requiredOption('--key <file>', 'private key file')
    .requiredOption('--out <file>', 'where to write the clear payload')
    .option('--passphrase-env <var>', `environment variable holding the key passphrase (default ${DEFAULT_PASSPHRASE_ENV})`)
    .option('--passphrase-file <file>', 'file holding the key passphrase')
    .option('--force', 'replace an existing --out file')
    .action((file: string, flags: { key: string; out: string; passphraseEnv?: string; passphraseFile?: string; force?: boolean }) =>
      runAction(ctx, async () => {
        // Checked before the passphrase is asked for: a typo in --out must not destroy a file.
        if (!flags.force && existsSync(flags.out)) throw new InputError(`--out ${flags.out} exists; nothing was written (give --force to replace it)`);
        if (!existsSync(file)) throw new InputError(`${file}: no such backup payload`);
        const { decryptFile } = await import('../crypto/index.ts');
        const r = await decryptFile(file, flags.out, { keyFile: flags.key, passphrase: await passphrase(flags, ctx) });
        ctx.io.stdout.write(`${flags.out}: ${r.bytes} bytes, sha256 ${r.sha256}\n`);
        return 0;
      }),
    );

  program
    .command('keys')
    .description('backup encryption keys')
    .command('generate')
    .description('generate an OpenPGP key pair for backups (v4, readable by gpg 2.2); the private key is passphrase-protected')
    .requiredOption('--out <dir>', 'directory for <name>.pub.asc, <name>.sec.asc, <name>.rev.asc (mode 0600)')
    .option('--name <name>', 'user id name', 'Lifeboat backup')
    .option('--email <email>', 'user id e-mail')
    .option('--passphrase-env <var>', `environment variable holding the new passphrase (default ${DEFAULT_PASSPHRASE_ENV})`)
    .option('--passphrase-file <file>', 'file holding the new passphrase')
    .action((flags: { out: string; name: string; email?: string; passphraseEnv?: string; passphraseFile?: string }) =>
      runAction(ctx, async () => {
        const { generateKeyPair } = await import('../crypto/index.ts');
        const k = await generateKeyPair({ name: flags.name, email: flags.email, passphrase: await passphrase(flags), outDir: flags.out });
        ctx.io.stdout.write(`fingerprint ${k.fingerprint}\npublic key  ${k.publicKeyFile}  (encrypt backups for it: lifeboat run backup -i INV -e recipient_key=FILE)\nprivate key ${k.privateKeyFile}  (keep offline; restores need it)\nrevocation  ${k.revocationFile}\n`);
        return 0;
      }),
    );
}
