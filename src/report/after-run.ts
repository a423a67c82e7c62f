import { markRestoreTestedQuietly } from '../backup/restore-tests.ts';
import { writeRunReportQuietly } from './html/write-report.ts';

/** What happens once a run, resume or rehearsal run has ended and its journal is closed. Never throws. */
export async function afterRun(runDir: string): Promise<void> {
  await markRestoreTestedQuietly(runDir);
  await writeRunReportQuietly(runDir);
}
