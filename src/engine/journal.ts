import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { maskDeep } from '../util/secrets.ts';
import type { RunRecord } from './types.ts';

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export function runDirOf(stateDir: string, runId: string): string {
  return join(runsDir(stateDir), runId);
}

/** Replaces run.json whole (temp file + rename), so a crash never leaves half a record. */
export async function writeRunRecord(runDir: string, record: RunRecord): Promise<void> {
  const tmp = join(runDir, `.run.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(maskDeep(record), null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, join(runDir, 'run.json'));
}

export async function readRunRecord(runDir: string): Promise<RunRecord> {
  return JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

/** A journal line: a RunEvent (its `type`) plus, on `host.done`, what the unit did. */
export type JournalLine = { type: string; time: string } & Record<string, unknown>;

/** Events after which a crash must not lose the line: they decide what `resume` skips. */
const DURABLE = new Set(['host.done', 'undo.done', 'step.done', 'run.done', 'facts']);

/**
 * Append-only JSON lines. Each line is one write on an O_APPEND handle, masked first; lines that
 * `resume` depends on are fsynced before the engine moves on.
 */
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  /** The first write error: the run goes on (stopping half-way is worse) but the operator is told. */
  error?: Error;
  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    private readonly onError: (err: Error) => void,
  ) {}

  static async open(runDir: string, onError: (err: Error) => void = () => undefined): Promise<Journal> {
    await mkdir(runDir, { recursive: true });
    const file = join(runDir, 'journal.jsonl');
    return new Journal(file, await open(file, 'a', 0o600), onError);
  }

  append(line: JournalLine): Promise<void> {
    const text = JSON.stringify(maskDeep(line)) + '\n';
    this.chain = this.chain
      .then(async () => {
        await this.fh.write(text);
        if (DURABLE.has(line.type)) await this.fh.datasync();
      })
      .catch((err: Error) => {
        if (!this.error) {
          this.error = err;
          this.onError(err);
        }
      });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.fh.close();
  }
}

export async function readJournal(runDir: string): Promise<JournalLine[]> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'journal.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      out.push(JSON.parse(raw) as JournalLine);
    } catch {
      // A torn last line from a crash: everything before it is still good.
    }
  }
  return out;
}
