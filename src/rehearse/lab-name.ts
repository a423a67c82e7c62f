import { randomBytes } from 'node:crypto';

/** Lab names are 1-9 lower-case letters or digits: `rh` + 7 random characters never collides in practice. */
export function uniqueLabName(prefix = 'rh'): string {
  return `${prefix}${randomBytes(8).toString('hex').slice(0, 9 - prefix.length)}`.replace(/^([^a-z])/, 'r$1');
}
