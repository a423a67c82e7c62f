import { InputError } from '../util/errors.ts';
import type { CliContext } from './common.ts';

/** How CLI commands that open a private key get its passphrase (never argv). */

export const DEFAULT_PASSPHRASE_ENV = 'LIFEBOAT_BACKUP_PASSPHRASE';

/** Reads one line from the terminal without echoing it. */
async function promptHidden(question: string, ctx: CliContext): Promise<string> {
  const stdin = ctx.io.stdin;
  ctx.io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  let answer = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return answer;
        if (ch === '\u0003') throw new InputError('interrupted');
        if (ch === '\u007f') answer = answer.slice(0, -1);
        else answer += ch;
      }
    }
    return answer;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    ctx.io.stderr.write('\n');
  }
}

/** Passphrases come from a file, the environment or a hidden prompt on a terminal, never from argv. */
export async function passphrase(flags: { passphraseEnv?: string; passphraseFile?: string }, ctx?: CliContext): Promise<string> {
  const { resolveSecret } = await import('../inventory/index.ts');
  if (flags.passphraseFile) return resolveSecret({ file: flags.passphraseFile }, 'key passphrase');
  const env = flags.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV;
  if (process.env[env]) return resolveSecret({ env }, 'key passphrase');
  // Only an existing passphrase is prompted for: a new one typed once could hold a typo forever.
  if (ctx?.io.stdin.isTTY) {
    const typed = await promptHidden('Key passphrase: ', ctx);
    if (typed) return resolveSecret({ value: typed }, 'key passphrase');
  }
  throw new InputError(`set the key passphrase in the environment variable ${env} (or use --passphrase-file)`);
}
