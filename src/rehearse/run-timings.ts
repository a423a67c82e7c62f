import { readJournal } from '../engine/journal.ts';
import { generalizedTimeMs } from '../util/generalized-time.ts';

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
  /** Which restore ran (online / bak2db / ldif2db), as backup.restore reported it. */
  restorePath?: string;
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

/**
 * The longest chain of re-inits, by the servers' own durations: a suffix re-initialized from a
 * host that itself received that suffix waits for it, so its chain is its parent's plus its own
 * (suffixes received from the restored master start a chain). A host's suffixes run side by side,
 * so each suffix is its own chain. Durations, not clock times, so hosts whose clocks differ still
 * add up; each has the servers' 1 s resolution.
 */
export function longestInitChainMs(inits: InitTiming[]): number {
  const key = (host: string, suffix: string) => `${host}\0${suffix.toLowerCase()}`;
  const received = new Map(inits.map((i) => [key(i.consumer, i.suffix), i]));
  const memo = new Map<string, number>();
  const chain = (host: string, suffix: string, seen: Set<string>): number => {
    const k = key(host, suffix);
    const known = memo.get(k);
    if (known !== undefined) return known;
    const init = received.get(k);
    if (!init || seen.has(k)) return 0;
    const ms = init.endMs - init.startMs + chain(init.supplier, suffix, new Set(seen).add(k));
    memo.set(k, ms);
    return ms;
  };
  return Math.max(0, ...inits.map((i) => chain(i.consumer, i.suffix, new Set())));
}

export async function runTimings(runDir: string): Promise<RunTimings> {
  const lines = await readJournal(runDir);
  const steps: RunTimings['steps'] = [];
  const actionOf = new Map<number, string>();
  const inits: InitTiming[] = [];
  let restoreMs = 0;
  let restoreServerMs: number | undefined;
  let restorePath: string | undefined;
  for (const l of lines) {
    if (l.type === 'step.start') actionOf.set(Number(l.step), String(l.action));
    if (l.type === 'step.done') steps.push({ index: Number(l.step), name: String(l.name), action: actionOf.get(Number(l.step)) ?? '', durationMs: Number(l.durationMs) });
    if (l.type !== 'host.done' || l.status === 'failed') continue;
    const action = actionOf.get(Number(l.step));
    const out = l.output as Record<string, unknown> | null | undefined;
    if (action === 'backup.restore') {
      restoreMs += Number(l.durationMs ?? 0);
      // serverMs: timed on the host around the restore itself; restoreMs: the controller's view.
      const server = out && (out.serverMs ?? out.restoreMs);
      if (out && typeof out.method === 'string') restorePath = out.method;
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
  return { steps, inits, reinitServerMs: unionMs(inits), restoreMs, restoreServerMs, restorePath };
}
