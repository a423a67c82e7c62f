import { readJournal } from '../engine/journal.ts';
import { generalizedTimeMs } from '../actions/389ds/replication/reinit-status.ts';

/**
 * Timings of a finished run, from its journal: wall time per step, and the servers' own
 * timestamps of every re-init (nsds5replicaLastInitStart/End, 1 s resolution). Overlapping
 * re-inits (one wave) count once: the server-side figure is the union of their intervals.
 */

export interface InitTiming {
  supplier: string;
  consumer: string;
  suffix: string;
  startMs: number;
  endMs: number;
}

export interface RunTimings {
  steps: { index: number; name: string; action: string; durationMs: number }[];
  inits: InitTiming[];
  /** Union of the re-init intervals, ms. */
  reinitServerMs: number;
  /** Wall time of the restore step (backup.restore), ms; its server side is not timestamped. */
  restoreMs: number;
  /** Host-side restore time (stop, bak2db/ldif2db, start) as backup.restore measured it around the one remote command. */
  restoreServerMs?: number;
}

export function unionMs(intervals: { startMs: number; endMs: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let cur: { startMs: number; endMs: number } | undefined;
  for (const i of sorted) {
    if (!cur || i.startMs > cur.endMs) {
      if (cur) total += cur.endMs - cur.startMs;
      cur = { ...i };
    } else cur.endMs = Math.max(cur.endMs, i.endMs);
  }
  if (cur) total += cur.endMs - cur.startMs;
  return total;
}

export async function runTimings(runDir: string): Promise<RunTimings> {
  const lines = await readJournal(runDir);
  const steps: RunTimings['steps'] = [];
  const actionOf = new Map<number, string>();
  const inits: InitTiming[] = [];
  let restoreMs = 0;
  let restoreServerMs: number | undefined;
  for (const l of lines) {
    if (l.type === 'step.start') actionOf.set(Number(l.step), String(l.action));
    if (l.type === 'step.done') steps.push({ index: Number(l.step), name: String(l.name), action: actionOf.get(Number(l.step)) ?? '', durationMs: Number(l.durationMs) });
    if (l.type !== 'host.done' || l.status === 'failed') continue;
    const action = actionOf.get(Number(l.step));
    const out = l.output as Record<string, unknown> | null | undefined;
    if (action === 'backup.restore') {
      restoreMs += Number(l.durationMs ?? 0);
      const server = out && (out.restoreMs ?? out.serverMs);
      if (typeof server === 'number') restoreServerMs = (restoreServerMs ?? 0) + server;
    }
    if (action === 'replication.reinit' && out && Array.isArray(out.inits)) {
      for (const i of out.inits as Record<string, unknown>[]) {
        const startMs = generalizedTimeMs(String(i.start));
        const endMs = generalizedTimeMs(String(i.end));
        if (startMs === undefined || endMs === undefined) continue;
        inits.push({ supplier: String(out.from), consumer: String(out.host), suffix: String(i.suffix), startMs, endMs });
      }
    }
  }
  return { steps, inits, reinitServerMs: unionMs(inits), restoreMs, restoreServerMs };
}
