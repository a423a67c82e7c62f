/**
 * Data-loss restore benchmark (P1): wall time of the whole data-loss playbook on a lab with 10k
 * entries, beside the servers' own critical path — the restore on the master (timed on the host
 * around the restore itself) plus the time total updates ran (the supplier's errors log, which
 * stamps "Beginning/Finished total update" to the nanosecond: the union of their intervals, which
 * is the longest chain of re-inits when they overlap; when the log says nothing usable, the
 * agreements' nsds5replicaLastInitStart/End, 1 s resolution) — and Lifeboat's overhead = wall −
 * critical path.
 * It also prints the flow-control pauses each total update suffered (the supplier's errors log). Prints figures and the median of --runs; never passes or fails on time.
 *
 *   npx tsx bench/restore.ts [--hosts 4] [--entries 10000] [--runs 1] [--keep]
 *   npx tsx bench/restore.ts --inventory inventories/lab.yaml [--runs 5]   (reuse a running lab)
 *   LIFEBOAT_BENCH_CONCURRENCY=1 ...         (hosts at once per step: 1 = re-inits one after another)
 *   LIFEBOAT_BENCH_FLOW=default ...          (leave the agreements' flow control as it is during re-inits)
 *   LIFEBOAT_BENCH_FLOW=5000/20 ...          (window 5000 entries, pause 20 ms during re-inits)
 *   LIFEBOAT_RESTORE_METHOD=bak2db ...      (the offline restore, for comparison)
 *   --p2                                    (then P2: one re-init of the domain suffix from the master,
 *                                            then every other host's at once; prints the ratio)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startRun } from '../src/engine/index.ts';
import { labDown } from '../src/lab/index.ts';
import { labUp } from '../src/profiles/389ds/lab/up.ts';
import { profileInfo } from '../src/profiles/info.ts';
import { takeBackup } from '../src/rehearse/backup-step.ts';
import { applyDamage, planDamage, waitForDamageEverywhere } from '../src/profiles/389ds/rehearse/data-loss-damage.ts';
import { openSession } from '../src/profiles/389ds/rehearse/lab-session.ts';
import { uniqueLabName } from '../src/rehearse/lab-name.ts';
import { longestInitChainMs, runTimings } from '../src/rehearse/run-timings.ts';
import { arg } from './args.ts';
import { flowPauses, measureP2 } from './reinit-p2.ts';
import { followTotalUpdates } from '../src/profiles/389ds/rehearse/total-update-log.ts';

const hosts = Number(arg('hosts', '4'));
const entries = Number(arg('entries', '10000'));
const runs = Number(arg('runs', '1'));
const reuse = process.argv.includes('--inventory') ? arg('inventory', '') : undefined;
const keep = process.argv.includes('--keep');
const lab = reuse ? 'reused' : uniqueLabName(`bn${process.env.LIFEBOAT_LAB_TAG ?? ''}`);
const stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-restore-'));
const inventoryFile = reuse ?? join(stateDir, 'inventory.yaml');
const playbook = join(profileInfo('389ds')!.playbooksDir, 'data-loss.yaml');
const concurrency = Number(process.env.LIFEBOAT_BENCH_CONCURRENCY ?? 10);
// default: leave the agreements' flow control alone; W/P: window W entries, pause P ms.
const flow = process.env.LIFEBOAT_BENCH_FLOW;
const flowDefault = flow === 'default';
const flowSet = flow && /^\d*\/\d*$/.test(flow) ? { reinit_flow_window: flow.split('/')[0]!, reinit_flow_pause_ms: flow.split('/')[1]! } : undefined;
const restoreMethod = process.env.LIFEBOAT_RESTORE_METHOD;
const p2 = process.argv.includes('--p2');
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

if (process.getuid?.() !== 0) {
  console.error('bench/restore.ts needs root (it builds a lab of real servers)');
  process.exit(2);
}

let s: Awaited<ReturnType<typeof openSession>> | undefined;
try {
  if (!reuse) {
    const t0 = Date.now();
    await labUp({ name: lab, hosts, entries, topology: 'mesh', out: inventoryFile });
    console.log(`lab ${lab}: ${hosts} hosts, ${entries} entries, up in ${s1(Date.now() - t0)}`);
  }
  s = await openSession(lab, inventoryFile);
  const master = s.hosts[0]!;
  const backup = await takeBackup({ inventoryFile, host: master, dest: join(stateDir, 'backups'), stateDir, workDir: stateDir });
  console.log(`backup of ${master}: ${backup.dir}; concurrency ${concurrency}; flow control ${flowDefault ? 'untouched' : flowSet ? `window/pause ${flow}` : 'set for the re-inits (playbook defaults)'}${restoreMethod ? `; restore_method=${restoreMethod}` : ''}`);
  console.log('\nrun  wall      restore (host)      re-inits (servers)     critical path  overhead');
  const rows: { wall: number; restore: number; chain: number; critical: number }[] = [];
  const perStep = new Map<string, { wall: number; servers: number }[]>();
  for (let i = 1; i <= runs; i++) {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master, tag: `bench${Date.now()}` });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    const params: Record<string, string> = { master, backup: backup.dir, ...(flowDefault ? { reinit_flow_window: '', reinit_flow_pause_ms: '' } : (flowSet ?? {})), ...(restoreMethod ? { restore_method: restoreMethod } : {}) };
    const pausesLog = await flowPauses(await s.connect(master), s.instance);
    const totalUpdates = await followTotalUpdates(await s.connect(master), s.instance);
    const t0 = Date.now();
    const out = await startRun({ playbookFile: playbook, inventoryFile, params, yes: true, concurrency, stateDir, onEvent: () => undefined });
    const wall = Date.now() - t0;
    if (out.status !== 'done') throw new Error(`run ${out.runId} ${out.status}: ${out.failed?.error}`);
    const t = await runTimings(out.runDir);
    // The supplier logs how often flow control paused each total update.
    const pauses = await pausesLog.read();
    const restore = t.restoreServerMs ?? t.restoreMs;
    const chain = longestInitChainMs(t.inits);
    // The servers' own time: the restore, then every moment at least one total update ran (the
    // union of their intervals) — the longest chain when they overlap, their sum when serial. The
    // supplier's log has the servers' clock to the ns (only one supplier re-initializes a mesh;
    // with waves from other suppliers the 1 s figure, which covers them all, is used).
    const precise = t.inits.every((x) => x.supplier === master) ? (await totalUpdates.read()).unionMs : undefined;
    const reinits = precise ?? t.reinitServerMs;
    const critical = restore + reinits;
    rows.push({ wall, restore, chain: precise ?? chain, critical });
    const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`${String(i).padEnd(4)} ${s1(wall).padEnd(9)} ${`${s1(restore)} ${t.restorePath ?? ''}`.padEnd(19)} ${`${precise === undefined ? s1(reinits) : s2(reinits)} (1 s stamps ${s1(t.reinitServerMs)})`.padEnd(22)} ${s1(critical).padEnd(14)} ${s1(wall - critical)}`);
    // Per step: its wall time, the servers' share of it (the restore on the host, the union of the
    // total updates), and the rest: Lifeboat's own time in that step.
    for (const step of t.steps) {
      const servers = step.action === 'backup.restore' ? restore : step.action === 'replication.reinit' ? reinits : 0;
      const key = `${step.index + 1} ${step.action}`;
      perStep.set(key, [...(perStep.get(key) ?? []), { wall: step.durationMs, servers }]);
      console.log(`       step ${key.padEnd(30)} ${s1(step.durationMs).padEnd(8)}${servers ? ` servers ${s1(servers).padEnd(8)} Lifeboat ${s1(step.durationMs - servers)}` : ''}`);
    }
    const between = wall - t.steps.reduce((sum, x) => sum + x.durationMs, 0);
    console.log(`       outside the steps (start, load, journal, end) ${s1(between)}`);
    for (const init of t.inits) console.log(`       re-init ${init.supplier} -> ${init.consumer} ${init.suffix}: ${s1(init.endMs - init.startMs)} (1 s stamps)`);
    console.log(`       flow control pauses (supplier's log): ${pauses.length ? pauses.join(', ') : 'none'}`);
  }
  if (rows.length > 1) {
    const m = (k: keyof (typeof rows)[number]) => s1(median(rows.map((r) => r[k])));
    console.log(`median of ${rows.length}: wall ${m('wall')}, restore ${m('restore')}, chain ${m('chain')}, critical path ${m('critical')}, overhead ${s1(median(rows.map((r) => r.wall - r.critical)))}`);
    console.log('\nmedian per step        wall     servers  Lifeboat');
    for (const [key, xs] of perStep) {
      console.log(`  ${key.padEnd(30)} ${s1(median(xs.map((x) => x.wall))).padEnd(8)} ${s1(median(xs.map((x) => x.servers))).padEnd(8)} ${s1(median(xs.map((x) => x.wall - x.servers)))}`);
    }
  }
  if (p2) {
    // The same flow control as the data-loss runs: the switches, else the playbook's defaults.
    const defaults = (parse(readFileSync(playbook, 'utf8')) as { params: Record<string, { default?: unknown }> }).params;
    const chosen = flowDefault ? { reinit_flow_window: '', reinit_flow_pause_ms: '' } : (flowSet ?? { reinit_flow_window: String(defaults.reinit_flow_window?.default ?? ''), reinit_flow_pause_ms: String(defaults.reinit_flow_pause_ms?.default ?? '') });
    const flowArgs: Record<string, string> = { flow_window: chosen.reinit_flow_window, flow_pause_ms: chosen.reinit_flow_pause_ms };
    await measureP2({ inventoryFile, stateDir, master, others: s.hosts.filter((h) => h !== master), suffix: s.suffix, instance: s.instance, connect: s.connect, concurrency, flow: flowArgs });
  }
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await s?.close().catch(() => undefined);
  if (!reuse && !keep) await labDown(lab).catch((e: unknown) => console.error(`lab down ${lab}: ${e instanceof Error ? e.message : String(e)}`));
}
