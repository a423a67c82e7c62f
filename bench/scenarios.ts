/**
 * Every scenario of a profile end to end, as `lifeboat rehearse` runs it (through the profile's
 * rehearsals, so any profile's; 389ds by default): a fresh lab, the cluster
 * backup (the backup playbook), the scenario's damage, its playbook, and the independent checks.
 * Prints, per scenario and run, each phase's time, the playbook's steps, and the servers' own
 * share of the playbook (the union of the total updates by the agreements' 1 s stamps, the
 * restore timed on the host, and a new instance's creation: dscreate and its first start): the
 * rest is Lifeboat's. Then the medians. bench/restore.ts measures
 * data-loss more finely (ns log stamps, P2); this one covers the scenarios side by side.
 * Prints figures; never passes or fails on time.
 *
 *   npx tsx bench/scenarios.ts [--profile 389ds] [--scenarios server-loss,ca-replica-rebuild,data-loss] [--hosts 4] [--entries 10000] [--runs 3]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../src/profiles/registry.ts';
import { uniqueLabName } from '../src/rehearse/lab-name.ts';
import type { RehearsalReport } from '../src/rehearse/report-files.ts';
import { arg } from './args.ts';

const profile = await loadProfile(arg('profile', '389ds'));
const known = profile.rehearsals?.names ?? [];
const scenarios = arg('scenarios', known.filter((n) => n !== 'ca').join(',')).split(',');
const hosts = Number(arg('hosts', '4'));
const entries = Number(arg('entries', '10000'));
const runs = Number(arg('runs', '3'));
const stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-scenarios-'));
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

if (process.getuid?.() !== 0) {
  console.error('bench/scenarios.ts needs root (it builds labs of real servers)');
  process.exit(2);
}
const unknown = scenarios.filter((s) => !known.includes(s));
if (!profile.rehearsals || unknown.length) {
  console.error(`unknown scenario(s) ${unknown.join(', ')} (known: ${known.join(', ') || 'none'})`);
  process.exit(2);
}

/** A rehearsal's phase names carry details ("backup on ds2", "lab up (4 hosts, …)"): keyed without them. */
const phaseKey = (name: string) => name.split(' ').slice(0, name.startsWith('lab ') ? 2 : 1).join(' ');

interface Row {
  phases: Map<string, number>;
  steps: Map<string, number>;
  /** The servers' own share of the playbook, where the timings carry it. */
  servers?: number;
  ok: boolean;
}

const summary: string[] = [];
let failed = false;
for (const scenario of scenarios) {
  console.log(`\n== ${profile.name} ${scenario}: --hosts ${hosts} --entries ${entries}, ${runs} run(s)`);
  const rows: Row[] = [];
  for (let i = 1; i <= runs; i++) {
    const lab = uniqueLabName(`bs${process.env.LIFEBOAT_LAB_TAG ?? ''}`);
    const { files } = await profile.rehearsals!.run({ scenario, hosts, entries, deposits: entries, keep: false, stateDir, lab, log: () => undefined });
    const report = JSON.parse(readFileSync(files.json, 'utf8')) as RehearsalReport;
    const t = report.timings;
    const restore = t?.steps.some((x) => x.action === 'backup.restore') ? (t.restoreServerMs ?? t.restoreMs) : 0;
    // The servers' share is known where the profile's timings carry it (389ds: re-inits, restore).
    const measured = t !== undefined && (t.inits.length > 0 || restore > 0);
    // Creating an instance is dscreate and the server's first start: the host's own time too.
    const created = (t?.steps ?? []).filter((x) => x.action === 'instance.create').reduce((sum, x) => sum + x.durationMs, 0);
    const row: Row = {
      phases: new Map(report.phases.map((p) => [phaseKey(p.name), p.ms])),
      steps: new Map((t?.steps ?? []).map((x) => [`${x.index + 1} ${x.action}`, x.durationMs])),
      servers: measured ? t.reinitServerMs + restore + created : undefined,
      ok: report.ok,
    };
    rows.push(row);
    failed ||= !report.ok;
    const playbook = row.phases.get('playbook') ?? NaN;
    console.log(
      `run ${i}: ${report.ok ? 'PASSED' : `FAILED (${report.run?.failed?.error ?? report.phases.find((p) => !p.ok)?.detail ?? 'checks failed'})`}; ` +
        [...row.phases].map(([k, ms]) => `${k} ${s1(ms)}`).join(', ') +
        `; playbook: ${row.servers === undefined ? "the servers' share not measured for this profile" : `servers ${s1(row.servers)}, Lifeboat ${s1(playbook - row.servers)}`}; ${report.checks.filter((c) => c.ok).length}/${report.checks.length} checks`,
    );
    for (const [step, ms] of row.steps) console.log(`       step ${step.padEnd(32)} ${s1(ms)}`);
  }
  const m = (f: (r: Row) => number | undefined) => s1(median(rows.map(f).filter((x): x is number => x !== undefined)));
  const split = rows.every((r) => r.servers !== undefined) ? ` (servers ${m((r) => r.servers)}, Lifeboat ${m((r) => (r.phases.get('playbook') ?? NaN) - r.servers!)})` : '';
  const line = `${scenario}: playbook ${m((r) => r.phases.get('playbook'))}${split}, backup ${m((r) => r.phases.get('backup'))}, lab up ${m((r) => r.phases.get('lab up'))}, checks ${m((r) => r.phases.get('verify'))}; ${rows.filter((r) => r.ok).length}/${rows.length} passed`;
  summary.push(line);
  if (rows.length > 1) {
    console.log(`median of ${rows.length}: ${line}`);
    for (const step of rows[0]!.steps.keys()) console.log(`  ${step.padEnd(32)} ${m((r) => r.steps.get(step))}`);
  }
}
console.log(`\nmedians (${profile.name}, --hosts ${hosts} --entries ${entries}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end):`);
for (const l of summary) console.log(`  ${l}`);
if (failed) process.exitCode = 1;
