import { markRestoreTestedQuietly } from '../backup/restore-tests.ts';
import { writeRunReportQuietly } from './html/write-report.ts';

/**
 * What happens once a run, resume or rehearsal run has ended and its journal is closed. Never
 * throws; resolves to the HTML report's path (undefined when it could not be written).
 */
export async function afterRun(runDir: string): Promise<string | undefined> {
  await markRestoreTestedQuietly(runDir);
  return writeRunReportQuietly(runDir);
}
