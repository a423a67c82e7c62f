import type { Phase } from './report-files.ts';

/** A rehearsal phase runner: times `body`, logs its start and end, and records it in `phases` (failures too). */
export function phaseRunner(phases: Phase[], log: (line: string) => void) {
  return async <T>(name: string, body: () => Promise<T>, detail?: (v: T) => string): Promise<T> => {
    log(`${name} ...`);
    const t0 = Date.now();
    try {
      const v = await body();
      const p: Phase = { name, ms: Date.now() - t0, ok: true, detail: detail?.(v) };
      phases.push(p);
      log(`${name}: ${(p.ms / 1000).toFixed(1)} s${p.detail ? ` (${p.detail})` : ''}`);
      return v;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      phases.push({ name, ms: Date.now() - t0, ok: false, detail: message });
      log(`${name} FAILED: ${message}`);
      throw err;
    }
  };
}
