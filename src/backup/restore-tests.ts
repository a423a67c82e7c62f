import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The catalog's "restore-tested" mark: a backup is restore-tested once a run (or the run inside a
 * rehearsal) restored it, finished, and every verification step of that run passed. The proof is
 * one line per such run in `restore-tests.jsonl` inside the backup's own directory.
 */

export const RESTORE_TESTS_FILE = 'restore-tests.jsonl';

export interface RestoreTest {
  runId: string;
  /** When the run finished. */
  time: string;
  host: string;
  /** The verification steps that passed, e.g. `verify.converged`. */
  verifiedBy: string[];
}

export async function readRestoreTests(backupDir: string): Promise<RestoreTest[]> {
  let text: string;
  try {
    text = await readFile(join(backupDir, RESTORE_TESTS_FILE), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as RestoreTest];
    } catch {
      return [];
    }
  });
}

/** What a finished run proves about the backups it restored (nothing unless it ended done and verified). */
export function restoreTestsOf(runId: string, status: string, finished: string, lines: { type: string; [k: string]: unknown }[]): { backup: string; test: RestoreTest }[] {
  if (status !== 'done') return [];
  const actionOf = new Map<number, string>();
  const restored: { backup: string; host: string }[] = [];
  const verified: string[] = [];
  for (const l of lines) {
    if (l.type === 'step.start') actionOf.set(Number(l.step), String(l.action));
    if (l.type !== 'host.done') continue;
    const action = actionOf.get(Number(l.step)) ?? '';
    const out = l.output as Record<string, unknown> | null | undefined;
    // backup.restore (389ds, keytrustee) or a profile's own, e.g. ipa.backup.restore.
    if ((action === 'backup.restore' || action.endsWith('.backup.restore')) && l.status !== 'failed' && l.status !== 'skipped' && typeof out?.backup === 'string') restored.push({ backup: out.backup, host: String(l.host) });
    if (action.startsWith('verify.')) {
      if (l.status === 'failed') return [];
      if (l.status !== 'skipped' && !verified.includes(action)) verified.push(action);
    }
  }
  if (verified.length === 0) return [];
  return restored.map((r) => ({ backup: r.backup, test: { runId, time: finished, host: r.host, verifiedBy: verified } }));
}

/** At the end of a run: marks the backups it proved restorable. Never throws (the run is over). */
export async function markRestoreTestedQuietly(runDir: string): Promise<void> {
  try {
    const { readJournal, readRunRecord } = await import('../engine/journal.ts');
    const record = await readRunRecord(runDir);
    for (const { backup, test } of restoreTestsOf(record.runId, record.status, record.finished ?? new Date().toISOString(), await readJournal(runDir))) {
      const known = await readRestoreTests(backup);
      if (known.some((k) => k.runId === test.runId)) continue;
      await appendFile(join(backup, RESTORE_TESTS_FILE), `${JSON.stringify(test)}\n`, { mode: 0o644 });
    }
  } catch {
    // A backup directory that went away or is read-only: the run's own result stands.
  }
}
