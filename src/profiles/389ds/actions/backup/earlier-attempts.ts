import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import { readJournal } from '../../../../engine/journal.ts';
import type { ActionContext } from '../../../../actions/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';

/**
 * A backup that did not finish (controller killed, host powered off mid-db2bak) leaves a
 * directory without header.json on the controller (never taken as a backup: no header) and an
 * archive on the host (GBs in /var/tmp or the bak dir). Before it makes anything, backup.create
 * journals where it will write; a later attempt of the same run (resume, retry) reads those lines
 * back and removes what an unfinished attempt left, on both sides.
 */

const STARTED = /^backup (lifeboat-[a-z]+-\d{4}(?:-\d\d){5}): writing (\/.+)$/;

/** The progress line that is also the journal's record of an attempt's names. */
export function startedLine(name: string, dir: string): string {
  return `backup ${name}: writing ${dir}`;
}

export function parseStartedLine(message: string): { name: string; dir: string } | undefined {
  const m = STARTED.exec(message);
  return m ? { name: m[1]!, dir: m[2]! } : undefined;
}

/** Attempts this run journaled on the host, oldest first. */
export async function earlierAttempts(runDir: string, host: string): Promise<{ name: string; dir: string }[]> {
  const out: { name: string; dir: string }[] = [];
  for (const l of await readJournal(runDir)) {
    if (l.type !== 'host.progress' || l.host !== host || typeof l.message !== 'string') continue;
    const a = parseStartedLine(l.message);
    if (a && !out.some((o) => o.dir === a.dir)) out.push(a);
  }
  return out;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/**
 * Removes what each unfinished earlier attempt left (a finished one has its header and stays);
 * returns the names it cleared. `hostCleanup(name)` is the host-side removal command.
 */
export async function clearEarlierAttempts(ctx: ActionContext, remote: RemoteHost, hostCleanup: (name: string) => string): Promise<string[]> {
  const cleared: string[] = [];
  for (const a of await earlierAttempts(ctx.runDir, ctx.host.name)) {
    if (await exists(path.join(a.dir, 'header.json'))) continue;
    await rm(a.dir, { recursive: true, force: true });
    const r = await remote.exec(hostCleanup(a.name), { signal: ctx.signal, timeoutMs: 60_000 });
    if (r.code !== 0) ctx.emit({ kind: 'warning', message: `could not remove what the unfinished backup ${a.name} left on ${ctx.host.name} (exit ${r.code}): ${hostCleanup(a.name)}` });
    cleared.push(a.name);
  }
  if (cleared.length) ctx.emit({ kind: 'progress', message: `removed what unfinished earlier attempts of this run left (controller directory without header, archive on the host): ${cleared.join(', ')}` });
  return cleared;
}
