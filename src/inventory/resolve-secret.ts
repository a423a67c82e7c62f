import { readFile, stat } from 'node:fs/promises';
import type { SecretRef } from './types.ts';
import { InputError } from '../util/errors.ts';
import { registerSecret } from '../util/secrets.ts';
import { fileReason } from '../util/file-reason.ts';

export interface ResolveSecretOptions {
  /** Where warnings go (a secret file others can read); default: one `warning:` line on stderr. */
  onWarning?: (message: string) => void;
  /** Environment to read `{ env }` from; default process.env (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/** Group-readable secret files already warned about: a run resolves one file for several steps. */
const warnedFiles = new Set<string>();

/** A Lifeboat warning, not Node's `(node:PID) Warning: … --trace-warnings` text. */
function defaultWarning(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/**
 * Reads a secret from the environment, a file or (tests and labs only) the inventory itself,
 * and registers it for masking. Errors name the secret (`what`), never its value.
 */
export async function resolveSecret(ref: SecretRef, what: string, opts: ResolveSecretOptions = {}): Promise<string> {
  const warn = opts.onWarning ?? defaultWarning;
  let value: string;
  if ('env' in ref) {
    const v = (opts.env ?? process.env)[ref.env];
    if (v === undefined || v === '') throw new InputError(`${what}: environment variable ${ref.env} is not set`);
    value = v;
  } else if ('file' in ref) {
    let mode: number;
    try {
      mode = (await stat(ref.file)).mode & 0o777;
      value = await readFile(ref.file, 'utf8');
    } catch (err) {
      throw new InputError(`${what}: cannot read secret file ${ref.file} (${fileReason(err)})`);
    }
    const octal = mode.toString(8).padStart(4, '0');
    // Every user of the machine may read it: refused, as OpenSSH refuses such a private key.
    if ((mode & 0o004) !== 0) {
      throw new InputError(`${what}: secret file ${ref.file} is readable by every user (mode ${octal}): run chmod 600 ${ref.file}, and change the secret if others may have read it`);
    }
    // Its group may read it: the secret is not as private as it should be (said once per file).
    if ((mode & 0o070) !== 0 && !warnedFiles.has(ref.file)) {
      warnedFiles.add(ref.file);
      warn(`${what}: ${ref.file} is readable by its group (mode ${octal}); run chmod 600 ${ref.file}`);
    }
    // Editors and `echo` add one newline; anything else is part of the secret.
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    else if (value.endsWith('\n')) value = value.slice(0, -1);
    if (value === '') throw new InputError(`${what}: secret file ${ref.file} is empty`);
  } else if ('value' in ref) {
    value = String(ref.value);
    if (value === '') throw new InputError(`${what}: the secret value is empty`);
  } else {
    throw new InputError(`${what}: a secret reference needs env, file or value`);
  }
  // Shorter values cannot be masked without masking ordinary words (see util/secrets.ts).
  if (value.length < 4) throw new InputError(`${what}: the secret is shorter than 4 characters, too short to be masked in output`);
  return registerSecret(value);
}
