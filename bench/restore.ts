/**
 * Data-loss restore benchmark: wall time of the whole data-loss playbook on a 4-host lab with
 * 10k entries, beside the sum of what the servers themselves spent (the restore on the master,
 * and the re-init waves from nsds5replicaLastInitStart/End — overlapping inits counted once),
 * and the ratio. Prints figures; never passes or fails on time.
 *
 *   npx tsx bench/restore.ts [--hosts 4] [--entries 10000] [--lab NAME (reuse)] [--keep] [--runs 1]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRun } from '../src/engine/index.ts';
import { labDown, labUp } from '../src/lab/index.ts';
import { takeBackup } from '../src/rehearse/backup-step.ts';
import { applyDamage, planDamage, waitForDamageEverywhere } from '../src/rehearse/data-loss-damage.ts';
import { openSession, uniqueLabName } from '../src/rehearse/lab-session.ts';
import { runTimings } from '../src/rehearse/run-timings.ts';
import { arg } from './args.ts';


const hosts = Number(arg('hosts', '4'));
const entries = Number(arg('entries', '10000'));
const runs = Number(arg('runs', '1'));
const reuse = process.argv.includes('--lab') ? arg('lab', '') : undefined;
const keep = process.argv.includes('--keep');
const lab = reuse || uniqueLabName('bn');
const stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-restore-'));
const inventoryFile = reuse ? join('.lifeboat', 'rehearsals', reuse, 'inventory.yaml') : join(stateDir, 'inventory.yaml');
const playbook = fileURLToPath(new URL('../playbooks/data-loss.yaml', import.meta.url));
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

if (process.getuid?.() !== 0) {
  console.error('bench/restore.ts needs root (it builds a lab of real servers)');
  process.exit(2);
}

try {
  if (!reuse) {
    const t0 = Date.now();
    await labUp({ name: lab, hosts, entries, topology: 'mesh', out: inventoryFile });
    console.log(`lab ${lab}: ${hosts} hosts, ${entries} entries, up in ${s1(Date.now() - t0)}`);
  }
  const s = await openSession(lab, inventoryFile);
  const master = s.hosts[1]!;
  const backup = await takeBackup({ inventoryFile, host: master, dest: join(stateDir, 'backups'), stateDir, workDir: stateDir });
  console.log(`backup of ${master}: ${backup.dir}`);
  console.log('\nrun  wall      restore(host)  re-init(servers)  server sum  ratio wall/server');
  for (let i = 1; i <= runs; i++) {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master, tag: `bench${i}` });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    const t0 = Date.now();
    const out = await startRun({ playbookFile: playbook, inventoryFile, params: { master, backup: backup.dir }, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
    const wall = Date.now() - t0;
    if (out.status !== 'done') throw new Error(`run ${out.runId} ${out.status}: ${out.failed?.error}`);
    const t = await runTimings(out.runDir);
    const restore = t.restoreServerMs ?? t.restoreMs;
    const server = restore + t.reinitServerMs;
    console.log(`${String(i).padEnd(4)} ${s1(wall).padEnd(9)} ${s1(restore).padEnd(14)} ${s1(t.reinitServerMs).padEnd(17)} ${s1(server).padEnd(11)} ${(wall / server).toFixed(2)}`);
    for (const step of t.steps) console.log(`       step ${step.index + 1} ${step.action.padEnd(20)} ${s1(step.durationMs)}`);
    for (const init of t.inits) console.log(`       re-init ${init.supplier} -> ${init.consumer} ${init.suffix}: ${s1(init.endMs - init.startMs)} (server timestamps)`);
  }
  await s.close();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (!reuse && !keep) await labDown(lab).catch((e: unknown) => console.error(`lab down ${lab}: ${e instanceof Error ? e.message : String(e)}`));
}
