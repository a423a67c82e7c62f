import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Which agreements a run switched off, per host, kept in the run directory: the later
 * `replication.enable only: previously-enabled` (and a resumed run) turns back on exactly those,
 * never an agreement the administrator had disabled on purpose.
 */

function recordFile(runDir: string, host: string): string {
  return join(runDir, 'replication-disabled', `${host}.json`);
}

export async function readDisabledRecord(runDir: string, host: string): Promise<string[] | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordFile(runDir, host), 'utf8')) as { agreements?: unknown };
    return Array.isArray(parsed.agreements) ? parsed.agreements.map(String) : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Adds to the record: a retried disable finds its agreements already off and must not forget them. */
export async function addToDisabledRecord(runDir: string, host: string, dns: string[]): Promise<string[]> {
  const before = (await readDisabledRecord(runDir, host)) ?? [];
  const merged = [...before, ...dns.filter((d) => !before.includes(d))];
  const file = recordFile(runDir, host);
  await mkdir(join(runDir, 'replication-disabled'), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify({ host, agreements: merged }, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return merged;
}
