import { resolveSecret } from '../inventory/index.ts';
import { registerSecret } from '../util/secrets.ts';
import { ActionError, type ActionContext } from '../actions/types.ts';

/** Inventory secret consulted when no passphrase argument is given. */
export const DEFAULT_PASSPHRASE_SECRET = 'backup_passphrase';

/**
 * The private key's passphrase, from (first found): `passphrase` (a secret param), `passphrase_env`,
 * `passphrase_file`, the inventory secret named by `passphrase_secret` (default backup_passphrase).
 * Returns undefined when none is given (an unprotected key needs none).
 */
export async function resolvePassphrase(ctx: ActionContext): Promise<string | undefined> {
  const a = ctx.args;
  if (typeof a.passphrase === 'string' && a.passphrase) return registerSecret(a.passphrase);
  if (typeof a.passphrase_env === 'string' && a.passphrase_env) return resolveSecret({ env: a.passphrase_env }, 'backup key passphrase');
  if (typeof a.passphrase_file === 'string' && a.passphrase_file) return resolveSecret({ file: a.passphrase_file }, 'backup key passphrase');
  const name = typeof a.passphrase_secret === 'string' && a.passphrase_secret ? a.passphrase_secret : DEFAULT_PASSPHRASE_SECRET;
  if (ctx.inventory.secrets[name]) return ctx.secret(name);
  if (name !== DEFAULT_PASSPHRASE_SECRET) throw new ActionError(`backup.restore: the inventory has no secret "${name}"`);
  return undefined;
}
