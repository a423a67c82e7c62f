/**
 * P2 for bench/restore.ts --p2: the domain suffix re-initialized from the master into ONE host,
 * then into every other host at once (the `concurrency` of the main runs: 1 makes them serial),
 * each a one-step playbook of replication.reinit with the same flow-control settings as the
 * data-loss runs. Prints the servers' own time (the union of the total updates by the supplier's
 * errors log, ns resolution; beside it the union of nsds5replicaLastInitStart/End, 1 s), the step's
 * wall time, the flow-control pauses the supplier logged, and the ratio of three to one.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../src/engine/index.ts';
import { runTimings } from '../src/rehearse/run-timings.ts';
import type { RemoteHost } from '../src/transport/types.ts';
import { followTotalUpdates } from '../src/profiles/389ds/rehearse/total-update-log.ts';

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Flow-control pauses per agreement the supplier logged from now until `read()`. */
export async function flowPauses(master: RemoteHost, instance: string): Promise<{ read: () => Promise<string[]> }> {
  const errorsLog = `/var/log/dirsrv/slapd-${instance}/errors`;
  const before = Number((await master.exec(`wc -l < ${errorsLog}`)).stdout.trim());
  return {
    async read() {
      const log = await master.exec(`tail -n +${before + 1} ${errorsLog} | sed -n 's/.*agmt="cn=\\([^"]*\\)".*flow control triggered \\([0-9]*\\) times.*/\\1 \\2/p'`);
      return log.stdout.trim().split('\n').filter(Boolean);
    },
  };
}

interface P2Options {
  inventoryFile: string;
  stateDir: string;
  master: string;
  others: string[];
  suffix: string;
  instance: string;
  connect: (host: string) => Promise<RemoteHost>;
  concurrency: number;
  /** flow_window / flow_pause_ms for replication.reinit (the data-loss playbook's, unless the bench's switches say otherwise). */
  flow: Record<string, string>;
}

/**
 * CPU seconds and bytes written to disk by each host's ns-slapd so far (/proc/<pid>/stat utime +
 * stime, /proc/<pid>/io write_bytes; the pid in the host's own PID namespace).
 */
async function serverCpu(o: P2Options, hosts: string[]): Promise<Map<string, { cpu: number; written: number }>> {
  const command = `p=$(cat /run/dirsrv/slapd-${o.instance}.pid) && t=$(getconf CLK_TCK) && awk -v t="$t" '{ print ($14 + $15) / t }' /proc/$p/stat && awk '/^write_bytes/ { print $2 }' /proc/$p/io`;
  const read = await Promise.all(hosts.map(async (h) => (await (await o.connect(h)).exec(command)).stdout.trim().split('\n').map(Number)));
  return new Map(hosts.map((h, i) => [h, { cpu: read[i]![0] ?? 0, written: read[i]![1] ?? 0 }]));
}

interface P2Run {
  servers: number;
  coarse: number;
  wall: number;
  pauses: string[];
  /** CPU seconds of the supplier's ns-slapd, and of all consumers' together, during the run. */
  cpuSupplier: number;
  cpuConsumers: number;
  /** Bytes the consumers' ns-slapd wrote to disk during the run. */
  writtenConsumers: number;
}

async function reinitOnce(o: P2Options, on: string, label: string): Promise<P2Run> {
  const file = join(o.stateDir, `p2-${label}.yaml`);
  const flow = Object.entries(o.flow).map(([k, v]) => `\n      ${k.replace(/^reinit_/, '')}: '${v}'`).join('');
  writeFileSync(
    file,
    `name: p2-${label}\ndescription: P2 bench, ${label}\nsteps:\n  - name: re-init ${label}\n    on: "${on}"\n    do: replication.reinit\n    with:\n      from: ${o.master}\n      suffixes: ['${o.suffix}']${flow}\n`,
  );
  const pauses = await flowPauses(await o.connect(o.master), o.instance);
  const log = await followTotalUpdates(await o.connect(o.master), o.instance);
  const consumers = on.split(',');
  const cpu0 = await serverCpu(o, [o.master, ...consumers]);
  const t0 = Date.now();
  const out = await startRun({ playbookFile: file, inventoryFile: o.inventoryFile, params: {}, yes: true, concurrency: o.concurrency, stateDir: o.stateDir, onEvent: () => undefined });
  const wall = Date.now() - t0;
  if (out.status !== 'done') throw new Error(`P2 ${label}: run ${out.runId} ${out.status}: ${out.failed?.error}`);
  const cpu1 = await serverCpu(o, [o.master, ...consumers]);
  const used = (h: string) => (cpu1.get(h)?.cpu ?? 0) - (cpu0.get(h)?.cpu ?? 0);
  const written = (h: string) => (cpu1.get(h)?.written ?? 0) - (cpu0.get(h)?.written ?? 0);
  const coarse = (await runTimings(out.runDir)).reinitServerMs;
  // The supplier's log to the nanosecond; the agreements' 1 s timestamps if it says nothing usable.
  const precise = (await log.read()).unionMs;
  return { servers: precise ?? coarse, coarse, wall, pauses: await pauses.read(), cpuSupplier: used(o.master), cpuConsumers: consumers.reduce((sum, h) => sum + used(h), 0), writtenConsumers: consumers.reduce((sum, h) => sum + written(h), 0) };
}

export async function measureP2(o: P2Options): Promise<void> {
  const one = await reinitOnce(o, o.others[0]!, 'one');
  const all = await reinitOnce(o, o.others.join(','), `${o.others.length}`);
  console.log(`\nP2 (${o.suffix} from ${o.master}, concurrency ${o.concurrency}, flow window/pause ${o.flow.flow_window || 'as is'}/${o.flow.flow_pause_ms || 'as is'}):`);
  const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`  one host:  servers ${s2(one.servers)} (1 s timestamps: ${s1(one.coarse)}), step ${s2(one.wall)}, flow-control pauses: ${one.pauses.join(', ') || 'none'}`);
  console.log(`  ${o.others.length} hosts:   servers ${s2(all.servers)} (1 s timestamps: ${s1(all.coarse)}), step ${s2(all.wall)}, flow-control pauses: ${all.pauses.join(', ') || 'none'}`);
  console.log(`  ratio ${o.others.length}/1: servers ${(all.servers / Math.max(1, one.servers)).toFixed(2)} (1 s timestamps: ${(all.coarse / Math.max(1, one.coarse)).toFixed(2)}), wall ${(all.wall / Math.max(1, one.wall)).toFixed(2)} (P2 asks <= 1.5, no pause)`);
  // What the hardware allows: n total updates need about n times one's CPU (the supplier encodes
  // and sends n streams, each consumer imports a whole database). On this machine they share its
  // cores; on separate machines each consumer has its own, and only the supplier's share adds up.
  const n = o.others.length;
  const cores = availableParallelism();
  const oneSec = one.servers / 1000;
  const hereBound = Math.max(oneSec, (n * (one.cpuSupplier + one.cpuConsumers)) / cores);
  const apartBound = Math.max(oneSec, n * one.cpuSupplier);
  const c = (x: number) => `${x.toFixed(2)} s`;
  console.log(`  CPU (ns-slapd): one: supplier ${c(one.cpuSupplier)}, consumer ${c(one.cpuConsumers)}; ${n} at once: supplier ${c(all.cpuSupplier)}, consumers ${c(all.cpuConsumers)} (${((all.cpuSupplier + all.cpuConsumers) / (all.servers / 1000)).toFixed(2)} of ${cores} cores busy); consumers wrote ${(one.writtenConsumers / 2 ** 20).toFixed(0)} MiB (one) and ${(all.writtenConsumers / 2 ** 20).toFixed(0)} MiB (${n}) to disk`);
  console.log(`  the hardware's limit for ${n} at once: here (${cores} cores shared by every server) >= ${c(hereBound)}, ratio >= ${(hereBound / oneSec).toFixed(2)}; on separate machines (the supplier's CPU alone adds up) >= ${c(apartBound)}, ratio >= ${(apartBound / oneSec).toFixed(2)}`);
}
