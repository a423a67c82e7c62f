import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { readJournal, readRunRecord } from '../../engine/journal.ts';
import { buildRunModel } from './run-model.ts';
import { renderRunReport } from './render.ts';

export const REPORT_FILE = 'report.html';

/** Roles per host from the run's inventory; a report is still written when it is gone or broken. */
async function inventoryRoles(file: string): Promise<Record<string, string[]>> {
  try {
    const { loadInventory } = await import('../../inventory/load.ts');
    const inv = await loadInventory(file);
    return Object.fromEntries(inv.hosts.map((h) => [h.name, h.roles]));
  } catch {
    return {};
  }
}

/** Writes `report.html` into a run's directory from its journal and run.json; returns its path. */
export async function writeRunReport(runDir: string): Promise<string> {
  const record = await readRunRecord(runDir);
  const model = buildRunModel(record, await readJournal(runDir), await inventoryRoles(record.inventory));
  const file = join(runDir, REPORT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderRunReport(model), { mode: 0o600 });
  await rename(tmp, file);
  return file;
}

/** For the end of a run: a report that cannot be written must never turn a good run into a failed one. */
export async function writeRunReportQuietly(runDir: string): Promise<string | undefined> {
  try {
    return await writeRunReport(runDir);
  } catch {
    return undefined;
  }
}
