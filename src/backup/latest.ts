import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listBackups, type BackupListing } from './store.ts';
import { verifyBackup, verifyText, type ArchiveLayout, type VerifyOptions, type VerifyResult } from './verify.ts';

/**
 * `backup=latest`: the newest backup of the cluster that verifies — its payload matches its header,
 * and, when the key is at hand, it decrypts to the archive the header records (an unencrypted one
 * is read as its tar). Newer ones that fail are skipped and named with why, so a plan says which
 * file it will restore and what it passed over.
 */

export interface LatestChoice {
  dir?: string;
  /** One line: the chosen backup and how it verified, or why none qualifies. */
  why: string;
  /** `name: reason` of every newer backup passed over. */
  skipped: string[];
}

export interface LatestOptions {
  /** Which backups are candidates (e.g. this profile's server backups). */
  accept?(b: BackupListing): boolean;
  /** Words for the candidates in messages, e.g. "Key Trustee server backup". */
  what?: string;
  key?: VerifyOptions['key'];
  layout?: ArchiveLayout;
}

/** Plan and run resolve `latest` more than once per run: one verification per file version and key. */
const cache = new Map<string, Promise<VerifyResult>>();

async function verifiedOnce(b: BackupListing, opts: LatestOptions): Promise<VerifyResult> {
  const env = b.envelope!;
  const file = join(b.dir, env.payload.file);
  const info = await stat(file).catch(() => undefined);
  // The passphrase counts (a wrong one must not reuse a right one's result), hashed, never kept.
  const pass = opts.key?.passphrase ? createHash('sha256').update(opts.key.passphrase).digest('hex') : '';
  const id = `${file}:${info?.size}:${info?.mtimeMs}:${opts.key?.file ?? ''}:${pass}`;
  let p = cache.get(id);
  if (!p) {
    cache.set(id, (p = verifyBackup(b.dir, env, { key: opts.key, layout: opts.layout })));
    // A key problem (wrong passphrase) is the operator's to fix; do not remember it.
    void p.then((r) => r.keyProblem && cache.delete(id));
  }
  return p;
}

export async function latestVerifiedBackup(root: string, cluster: string, opts: LatestOptions = {}): Promise<LatestChoice> {
  const what = opts.what ?? 'backup';
  const candidates = (await listBackups(root, cluster)).filter((b) => b.envelope && (opts.accept?.(b) ?? true)).reverse();
  if (candidates.length === 0) return { why: `no complete ${what} of cluster ${cluster} in ${root}`, skipped: [] };
  const skipped: string[] = [];
  for (const b of candidates) {
    const r = await verifiedOnce(b, opts);
    if (r.keyProblem) throw new Error(`cannot decrypt-verify ${b.name}: ${r.problem}`);
    if (r.ok) return { dir: b.dir, why: `${b.name}, the newest ${what} that verifies (${verifyText(r)})`, skipped };
    skipped.push(`${b.name}: ${verifyText(r)}`);
  }
  return { why: `no ${what} of cluster ${cluster} in ${root} verifies`, skipped };
}

/** `; skipped a: why, b: why` for a message, or nothing. */
export function skippedText(c: LatestChoice): string {
  return c.skipped.length ? `; skipped newer ${c.skipped.join('; ')}` : '';
}
