import { join } from 'node:path';
import { sha256File } from './checksum.ts';
import { readRestoreTests } from './restore-tests.ts';
import { listBackups, type BackupListing } from './store.ts';

/**
 * `backup=latest-good`: the newest backup a run has restored and verified (restore-tested) whose
 * payload still matches its header. Only candidates are re-hashed, newest first, until one holds.
 */
export async function latestGoodBackup(root: string, cluster: string, accept: (b: BackupListing) => boolean = () => true): Promise<{ dir?: string; why: string }> {
  const all = (await listBackups(root, cluster)).filter((b) => b.envelope && accept(b)).reverse();
  const skipped: string[] = [];
  for (const b of all) {
    const tests = await readRestoreTests(b.dir);
    if (tests.length === 0) continue;
    const h = b.envelope!;
    const got = await sha256File(join(b.dir, h.payload.file)).catch(() => undefined);
    if (got && got.sha256 === h.payload.sha256 && got.size === h.payload.size) return { dir: b.dir, why: `${b.name}, restore-tested by run ${tests.at(-1)!.runId}` };
    skipped.push(`${b.name} (restore-tested but its payload no longer matches its header)`);
  }
  return { why: `no restore-tested backup of cluster ${cluster} in ${root}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}; run a rehearsal or use backup=latest` };
}
