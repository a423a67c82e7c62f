import type { RemoteHost } from '../../../transport/types.ts';

/**
 * What a supplier's errors log says about its total updates, to the nanosecond. The agreements'
 * nsds5replicaLastInitStart/End have 1 s resolution, which blurs a 3 s re-init by a third; the
 * replication plugin logs "Beginning total update" and "Finished total update … Sent N entries"
 * with the server's own high-resolution clock. Read by the benchmarks, never by a run.
 */

export interface TotalUpdateEvent {
  kind: 'begin' | 'finish';
  /** The agreement's cn (one name may serve several suffixes: each suffix has its own agreement entry). */
  agreement: string;
  atMs: number;
  /** Entries sent (finish lines only). */
  entries?: number;
}

export interface TotalUpdateSummary {
  events: TotalUpdateEvent[];
  /** Time at least one total update ran (the union of their intervals), ms; undefined unless every begin has its finish. */
  unionMs?: number;
  /** First begin to last finish, ms. */
  spanMs?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[01/Dec/2026:02:29:05.636100607 +0000]` → ms since the epoch (sub-ms kept as a fraction). */
export function errorsLogTimeMs(stamp: string): number | undefined {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? ([+-])(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return undefined;
  const [, dd, mon, yyyy, hh, mi, ss, frac, sign, oh, om] = m as unknown as string[];
  const month = MONTHS.indexOf(mon!);
  if (month < 0) return undefined;
  const utc = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss));
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return utc - offsetMs + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

const LINE = /^\[([^\]]+)\].*repl5_tot_run - (Beginning|Finished) total update of replica "agmt="cn=([^"]+)"[^"]*"\.?(?: Sent (\d+) entries)?/;

export function parseTotalUpdateLog(text: string): TotalUpdateSummary {
  const events: TotalUpdateEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    const atMs = m ? errorsLogTimeMs(m[1]!) : undefined;
    if (!m || atMs === undefined) continue;
    events.push({ kind: m[2] === 'Beginning' ? 'begin' : 'finish', agreement: m[3]!, atMs, ...(m[4] ? { entries: Number(m[4]) } : {}) });
  }
  events.sort((a, b) => a.atMs - b.atMs);
  const begins = events.filter((e) => e.kind === 'begin').length;
  const finishes = events.length - begins;
  const summary: TotalUpdateSummary = { events };
  if (begins === 0 || begins !== finishes) return summary;
  // A sweep: the clock runs while at least one total update is under way.
  let running = 0;
  let since = 0;
  let union = 0;
  for (const e of events) {
    if (e.kind === 'begin') {
      if (running === 0) since = e.atMs;
      running++;
    } else if (running > 0) {
      running--;
      if (running === 0) union += e.atMs - since;
    }
  }
  if (running !== 0) return summary;
  summary.unionMs = union;
  summary.spanMs = events.at(-1)!.atMs - events[0]!.atMs;
  return summary;
}

/** The supplier's errors log from now on: `read()` parses what was appended since. */
export async function followTotalUpdates(supplier: RemoteHost, instance: string): Promise<{ read: () => Promise<TotalUpdateSummary> }> {
  const errorsLog = `/var/log/dirsrv/slapd-${instance}/errors`;
  const before = Number((await supplier.exec(`wc -l < ${errorsLog}`)).stdout.trim());
  return {
    async read() {
      const r = await supplier.exec(`tail -n +${before + 1} ${errorsLog} | grep -E 'repl5_tot_run - (Beginning|Finished) total update'`);
      return parseTotalUpdateLog(r.stdout);
    },
  };
}
