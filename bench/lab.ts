/**
 * Times `lab up` per phase and samples memory: the sum of RSS of every process of the lab's hosts
 * (their PID namespaces), peak and after the lab is up. Then tears the lab down. Prints figures;
 * never passes or fails on time.
 *
 *   npx tsx bench/lab.ts [--hosts 4] [--entries 10000] [--topology mesh] [--name bench]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, readState } from '../src/lab/index.ts';
import { hostPids } from '../src/lab/host-process.ts';
import { DEFAULT_PROFILE } from '../src/profiles/info.ts';
import { loadProfile } from '../src/profiles/registry.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '4' },
    entries: { type: 'string', default: '10000' },
    topology: { type: 'string', default: 'mesh' },
    name: { type: 'string', default: 'bench' },
  },
});

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** RSS of the lab's processes right now, in total and per command name. */
async function sample(name: string): Promise<{ totalKb: number; byCommand: Record<string, number> }> {
  const state = await readState(name).catch(() => undefined);
  const byCommand: Record<string, number> = {};
  let totalKb = 0;
  for (const h of state?.hosts ?? []) {
    for (const pid of hostPids(h.pid1)) {
      const kb = rssKb(pid);
      totalKb += kb;
      const c = commandOf(pid);
      byCommand[c] = (byCommand[c] ?? 0) + kb;
    }
  }
  return { totalKb, byCommand };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const name = values.name!;
  const hosts = Number(values.hosts);
  const entries = Number(values.entries);
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-lab-'));
  let peak = { totalKb: 0, byCommand: {} as Record<string, number> };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await sample(name);
      if (now.totalKb > peak.totalKb) peak = now;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const phases: [string, number][] = [];
  const t0 = performance.now();
  let up = false;
  try {
    // Through the profile's lab descriptor, as `lifeboat lab up` does.
    await (await loadProfile(DEFAULT_PROFILE)).lab!.up({
      name,
      hosts,
      entries,
      topology: values.topology,
      deposits: 0,
      out: join(dir, 'inventory.yaml'),
      recreate: true,
      onPhase: (p, ms) => phases.push([p, ms]),
    });
    up = true;
    const total = performance.now() - t0;
    const settled = await sample(name);
    sampling = false;
    await sampler;
    console.log(`lab up: ${hosts} hosts, ${entries} entries, ${values.topology} (2 cores here)`);
    for (const [p, ms] of phases) console.log(`  ${p.padEnd(56)} ${s(ms).padStart(8)}`);
    console.log(`  ${'total'.padEnd(56)} ${s(total).padStart(8)}`);
    console.log(`memory (sum of RSS of the lab's processes):`);
    console.log(`  peak during up   ${mb(peak.totalKb)}  ${JSON.stringify(Object.fromEntries(Object.entries(peak.byCommand).map(([k, v]) => [k, mb(v)])))}`);
    console.log(`  after up         ${mb(settled.totalKb)}  ${JSON.stringify(Object.fromEntries(Object.entries(settled.byCommand).map(([k, v]) => [k, mb(v)])))}`);
  } finally {
    sampling = false;
    await sampler;
    // A failed `lab up` has already removed what it made and kept its logs for reading.
    if (up) {
      const td = performance.now();
      await labDown(name);
      console.log(`lab down: ${s(performance.now() - td)}`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
