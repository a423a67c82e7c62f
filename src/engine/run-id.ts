import { randomBytes } from 'node:crypto';

/** `YYYYMMDD-HHMMSS-xxxx` in UTC: sorts by start time, the suffix keeps same-second runs apart. */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

export function isRunId(text: string): boolean {
  return /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(text);
}
