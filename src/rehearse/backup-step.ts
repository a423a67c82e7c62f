import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readJournal } from '../engine/journal.ts';
import { startRun, type RunEvent } from '../engine/index.ts';

/**
 * Takes the rehearsal's backup through the engine (so it is journaled like any run): a one-step
 * playbook running backup.create on the chosen host. Returns the backup directory.
 */
export async function takeBackup(opts: {
  inventoryFile: string;
  host: string;
  dest: string;
  stateDir: string;
  workDir: string;
  onEvent?: (e: RunEvent) => void;
}): Promise<{ dir: string; runId: string }> {
  const playbookFile = join(opts.workDir, 'rehearsal-backup.yaml');
  await writeFile(
    playbookFile,
    stringify({
      name: 'rehearsal-backup',
      description: 'The backup a rehearsal restores from',
      steps: [{ name: `Back up ${opts.host}`, on: opts.host, do: 'backup.create', with: { type: 'data', method: 'online', dest: opts.dest } }],
    }),
  );
  const outcome = await startRun({
    playbookFile,
    inventoryFile: opts.inventoryFile,
    params: {},
    yes: true,
    concurrency: 1,
    stateDir: opts.stateDir,
    onEvent: opts.onEvent ?? (() => undefined),
  });
  if (outcome.status !== 'done') throw new Error(`the backup failed: ${outcome.failed?.error ?? outcome.status}`);
  const done = (await readJournal(outcome.runDir)).find((l) => l.type === 'host.done' && typeof l.output === 'string');
  if (!done) throw new Error(`the backup run ${outcome.runId} recorded no backup directory`);
  return { dir: String(done.output), runId: outcome.runId };
}
