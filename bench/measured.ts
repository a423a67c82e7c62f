/**
 * Runs one measured operation in its own process, so its peak RSS is its own (a process's RSS
 * never shrinks back: in one process, each figure would include what earlier ones left). The peak
 * is /usr/bin/time's maximum resident set (VmHWM of the whole process, worker threads included);
 * the child may print one JSON object on stdout with its own figures (e.g. time without start-up).
 */
import { spawnSync } from 'node:child_process';

export interface Measured<T> {
  /** Wall time of the whole child (start-up included). */
  wallMs: number;
  rssMiB: number;
  /** What the child printed as JSON on stdout, if anything. */
  inner?: T;
}

/** Reads /usr/bin/time's `RSS_KB=` line (the last one: the child's own stderr comes first) and the child's JSON. */
export function parseMeasured<T>(stdout: string, stderr: string): { rssMiB: number; inner?: T } {
  const all = [...stderr.matchAll(/^RSS_KB=(\d+)$/gm)];
  const last = all[all.length - 1];
  if (!last) throw new Error(`no peak RSS in the child's stderr: ${stderr.slice(-300)}`);
  const text = stdout.trim();
  return { rssMiB: Number(last[1]) / 1024, ...(text ? { inner: JSON.parse(text) as T } : {}) };
}

export function measured<T = unknown>(argv: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Measured<T> {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS_KB=%M', ...argv], { env: opts.env ?? process.env, input: opts.input ?? '', maxBuffer: 1 << 20 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.toString().slice(-800)}`);
  return { wallMs, ...parseMeasured<T>(r.stdout.toString(), r.stderr.toString()) };
}
