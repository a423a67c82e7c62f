import type { Agreement } from './agreements.ts';
import { statusCode } from './agreements.ts';
import { generalizedTimeMs } from '../../../../util/generalized-time.ts';

export { generalizedTimeMs };

/**
 * Where a total update (re-initialization) stands, judged from the supplier's agreement entry.
 * The trap: nsds5replicaLastInitStatus keeps the PREVIOUS init's result until the new one starts,
 * so a status alone says nothing. The new init is over only when nsds5BeginReplicaRefresh is gone
 * AND nsds5replicaLastInitStart is at or after the moment we asked for it AND LastInitEnd followed.
 */

export type InitState =
  | { state: 'waiting'; why: string }
  | { state: 'done'; start: string; end: string }
  | { state: 'busy'; status: string }
  /** The update's connection broke after it began (-11 "Total update aborted"): worth asking again. */
  | { state: 'dropped'; status: string }
  | { state: 'failed'; status: string };

/** 389-ds writes 19700101000000Z into LastInitEnd while an init runs. */
const NEVER = '19700101000000Z';

export function toGeneralizedTime(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function notBefore(a: string | undefined, b: string): boolean {
  const x = generalizedTimeMs(a);
  const y = generalizedTimeMs(b);
  return x !== undefined && y !== undefined && x >= y;
}

export function assessInit(agreement: Pick<Agreement, 'refreshPending' | 'lastInitStart' | 'lastInitEnd' | 'lastInitStatus'>, trigger: string): InitState {
  const { refreshPending, lastInitStart: start, lastInitEnd: end } = agreement;
  const status = agreement.lastInitStatus ?? '';
  if (refreshPending) return { state: 'waiting', why: 'nsds5BeginReplicaRefresh still set' };
  if (!start || !notBefore(start, trigger)) return { state: 'waiting', why: `init not started yet (last start ${start ?? 'never'}, asked at ${trigger})` };
  if (/replica busy/i.test(status)) return { state: 'busy', status };
  if (/in progress/i.test(status)) return { state: 'waiting', why: status };
  const finished = end !== undefined && end !== NEVER && notBefore(end, start);
  if (finished && /Total update succeeded/i.test(status)) return { state: 'done', start, end: end! };
  const code = statusCode(status);
  if (code === -11 && /abort/i.test(status)) return { state: 'dropped', status };
  if (code !== undefined && code !== 0) return { state: 'failed', status };
  if (/error|failed|abort/i.test(status) && !/^Error \(0\)/.test(status)) return { state: 'failed', status };
  return { state: 'waiting', why: status || 'no status yet' };
}
