import { isAbsolute, relative } from 'node:path';
import type { RunListEntry } from '../engine/types.ts';
import { stateDirFlag } from '../engine/next-hint.ts';
import { formatDuration } from '../report/format.ts';

/** `2026-12-01 05:26:32 UTC` from an ISO time: read at a glance, still sortable. */
function when(iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A file under the current directory as the person would type it; anything else in full. */
function shortPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * `lifeboat runs` as a table a person reads: times in UTC without milliseconds, how long each run
 * took, paths relative to here, and for a run that did not finish the command that continues it.
 * (`--json` keeps the raw values.)
 */
export function runsTable(runs: RunListEntry[], o: { cwd: string; stateDir: string }): { header: string[]; rows: string[][] } {
  const header = ['RUN', 'STATUS', 'STARTED', 'TOOK', 'PLAYBOOK', 'INVENTORY', 'NEXT'];
  const rows = runs.map((r) => {
    const took = r.finished ? formatDuration(Date.parse(r.finished) - Date.parse(r.started)) : '';
    const next = r.status === 'failed' || r.status === 'interrupted' ? `lifeboat resume ${r.runId}${stateDirFlag(o.stateDir)}` : '';
    return [r.runId, r.status, when(r.started), took, shortPath(r.playbook, o.cwd), shortPath(r.inventory, o.cwd), next];
  });
  return { header, rows };
}
