import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerifyHow, VerifyResult } from './verify.ts';

/**
 * The catalog's "verified" mark: every `backup verify` appends what it proved (when, how deep,
 * passed or why not) to `verifications.jsonl` in the backup's own directory, beside
 * restore-tests.jsonl; `backup list` shows the newest line.
 */

export const VERIFICATIONS_FILE = 'verifications.jsonl';

export interface Verification {
  time: string;
  how: VerifyHow;
  ok: boolean;
  problem?: string;
  /** The key's fingerprint, for a decrypt-verification. */
  key?: string;
}

export async function readVerifications(backupDir: string): Promise<Verification[]> {
  let text: string;
  try {
    text = await readFile(join(backupDir, VERIFICATIONS_FILE), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as Verification];
    } catch {
      return [];
    }
  });
}

export async function recordVerification(backupDir: string, r: VerifyResult, opts: { now?: Date; key?: string } = {}): Promise<Verification> {
  const v: Verification = { time: (opts.now ?? new Date()).toISOString(), how: r.how, ok: r.ok, ...(r.ok ? {} : { problem: r.problem }), ...(opts.key && r.how === 'decrypt' ? { key: opts.key } : {}) };
  await appendFile(join(backupDir, VERIFICATIONS_FILE), `${JSON.stringify(v)}\n`, { mode: 0o644 });
  return v;
}

/** The verified column of `backup list`. */
export function verificationText(v: Verification | undefined): string {
  if (!v) return 'never verified';
  const how = v.how === 'decrypt' ? 'decrypt' : v.how === 'archive' ? 'archive' : 'sha256';
  return v.ok ? `verified (${how}) ${v.time}` : `verify FAILED (${how}) ${v.time}`;
}
