import type { LabSession } from './lab-session.ts';
import { check, type Check } from '../../../rehearse/checks.ts';
import { sameEntriesEverywhere } from './same-entries.ts';
import { probeWrites } from './write-probe.ts';

/** The checks every scenario ends with: same entries everywhere, and a write on each host reaches the others within 5 s. */
export async function checks389(s: LabSession, suffixes: string[], hosts: string[], tag: string): Promise<Check[]> {
  const out: Check[] = [];
  for (const suffix of suffixes) {
    out.push(await check(`every host holds the same entries (${suffix})`, () => sameEntriesEverywhere(s.connect, s.instance, suffix, hosts)));
    out.push(
      await check(`a write on each host reaches every other within 5 s (${suffix})`, async () => {
        const slowest = await probeWrites(s.connect, { instance: s.instance, suffix, hosts, tag });
        return { ok: true, detail: Object.entries(slowest).map(([h, ms]) => `${h}: ${ms} ms`).join(', ') };
      }),
    );
  }
  return out;
}
