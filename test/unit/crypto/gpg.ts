import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway gpg home, so tests never touch the user's keyring or agent. */
export interface TempGpg {
  home: string;
  run(args: string[], passphrase?: string): string;
  /** Stops the gpg-agent this home started and removes the home. */
  close(): void;
}

export function tempGpg(): TempGpg {
  const home = mkdtempSync(path.join(tmpdir(), 'lb-gnupg-'));
  const env = { ...process.env, GNUPGHOME: home };
  return {
    home,
    run(args, passphrase) {
      const pre = ['--batch', '--no-tty', '--trust-model', 'always'];
      if (passphrase !== undefined) {
        // --passphrase-fd 0: the passphrase goes on stdin, never in argv.
        pre.push('--pinentry-mode', 'loopback', '--passphrase-fd', '0');
      }
      return execFileSync('gpg', [...pre, ...args], { env, input: passphrase ?? '', stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    },
    close() {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function writeRandomFile(file: string, bytes: number): void {
  const buf = Buffer.alloc(bytes);
  // Patterned, not random: cheap, and still catches reordered or dropped chunks.
  for (let i = 0; i + 4 <= bytes; i += 4) buf.writeUInt32LE(i * 2654435761 >>> 0, i);
  writeFileSync(file, buf);
}
