import { access, constants } from 'node:fs/promises';
import { CryptoError } from './errors.ts';
import { fileReason } from '../util/file-reason.ts';

/** A missing or unreadable file is an I/O problem, not a damaged backup: say which. */
export async function readable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    throw new CryptoError(`cannot read ${file}: ${fileReason(e)}`, 'io');
  }
}

export function corrupt(input: string, e: unknown): CryptoError {
  const why = (e as Error)?.message ?? String(e);
  return new CryptoError(`${input} is truncated or corrupt (integrity check failed: ${why})`, 'corrupt');
}
