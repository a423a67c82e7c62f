import { Transform, type TransformCallback } from 'node:stream';

/**
 * What an action is doing on a host, for a person: a phase, the peer and suffix it concerns,
 * counts, bytes and elapsed time. The live view shows `progressText`; `--json` keeps the fields.
 */
export interface Progress {
  phase: string;
  /** The other end, and which way data goes: `ds1 ← ds4` = ds1 receives from ds4. */
  peer?: string;
  direction?: 'from' | 'to';
  suffix?: string;
  done?: number;
  total?: number;
  bytes?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  elapsedMs?: number;
}

/** `12 KiB`, `3.4 MiB`, `1.2 GiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** `ds1 ← ds4 dc=lab,dc=test: total update running, 2 s` */
export function progressText(host: string, p: Progress): string {
  const arrow = p.direction === 'to' ? '→' : '←';
  const who = `${host}${p.peer ? ` ${arrow} ${p.peer}` : ''}${p.suffix ? ` ${p.suffix}` : ''}`;
  const parts = [p.phase];
  if (p.done !== undefined && p.total !== undefined) parts.push(`${p.done}/${p.total}`);
  if (p.bytes !== undefined) {
    let b = p.totalBytes ? `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}` : formatBytes(p.bytes);
    if (p.bytesPerSecond !== undefined) b += ` at ${formatBytes(p.bytesPerSecond)}/s`;
    parts.push(b);
  }
  if (p.elapsedMs !== undefined) parts.push(`${Math.floor(p.elapsedMs / 1000)} s`);
  return `${who}: ${parts.join(', ')}`;
}

/**
 * A pass-through that counts bytes and reports them (with the rate) at most once per `everyMs`,
 * and once at the end: long transfers show how far they are.
 */
export function byteMeter(report: (bytes: number, bytesPerSecond: number, elapsedMs: number) => void, everyMs = 1000): Transform {
  const t0 = Date.now();
  let bytes = 0;
  let last = 0;
  const tell = () => {
    const elapsed = Date.now() - t0;
    report(bytes, elapsed > 0 ? Math.round((bytes * 1000) / elapsed) : 0, elapsed);
  };
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        tell();
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      tell();
      done();
    },
  });
}
