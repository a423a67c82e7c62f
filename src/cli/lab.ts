import { Command, InvalidArgumentError, Option } from 'commander';
import {
  checkLabName,
  labCut, labDown, labExec, labKill, labPowerOff, labPowerOn, labRevive, labStatus, labUncut, labUp, TOPOLOGIES,
  type LabStatus, type LabTopology,
} from '../lab/index.ts';

/** `lifeboat lab ...`: the local rehearsal lab (root; Debian packages 389-ds-base, openssh-server, ldap-utils, iproute2). */

const DEFAULT_LAB = process.env.LIFEBOAT_LAB ?? 'lab';

function intIn(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}, got "${v}"`);
    return n;
  };
}

function nameOption(): Option {
  return new Option('-n, --name <lab>', 'lab name (prefixes its bridge, links, namespaces)').default(DEFAULT_LAB);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatStatus(s: LabStatus): string {
  const lines = [`lab ${s.name} (${s.topology ?? '?'} topology, created ${s.created})${s.inventoryFile ? `, inventory ${s.inventoryFile}` : ''}`];
  for (const h of s.hosts) {
    const state = h.killed ? 'killed' : h.running ? `running, pid ${h.pid1}` : 'stopped';
    lines.push(`  ${h.name}  ${h.address}  ${state}${h.linkUp ? '' : '  NETWORK CUT'}  ${h.processes.length} processes`);
    for (const p of h.processes) if (/ns-slapd|sshd: \/usr/.test(p.command)) lines.push(`      ${p.pid}  ${p.command}`);
    for (const a of h.agreements) lines.push(`      -> ${a.peer} ${a.suffix}${a.enabled ? '' : ' (disabled)'}: ${a.status}`);
    if (h.error) lines.push(`      agreements: ${h.error}`);
  }
  return lines.join('\n');
}

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('A local lab of real 389-ds servers, one network/mount/PID namespace each');

  lab
    .command('up')
    .description('Create the lab hosts and provision them through the engine over SSH')
    .addOption(nameOption())
    .option('--hosts <n>', 'number of hosts ds1..dsN (2..8)', intIn(2, 8), 4)
    .option('--entries <n>', 'test entries seeded on ds1', intIn(0, 1_000_000), 1000)
    .addOption(new Option('--topology <kind>', 'replication topology').choices(TOPOLOGIES).default('mesh'))
    .option('-o, --out <file>', 'inventory to write (default inventories/<name>.yaml)')
    .option('--recreate', 'tear down an existing lab of that name first', false)
    .addOption(new Option('--ca-topology <kind>', 'topology of the CA suffix (o=ipaca) among the CA hosts; default: mesh').choices(TOPOLOGIES))
    .option('--ca-own-ids', 'number the CA suffix\'s replica ids independently of the domain suffix\'s (as IdM does)', false)
    .action(async (o: { name: string; hosts: number; entries: number; topology: LabTopology; out?: string; recreate: boolean; caTopology?: LabTopology; caOwnIds: boolean }) => {
      checkLabName(o.name);
      const out = o.out ?? `inventories/${o.name}.yaml`;
      const t0 = performance.now();
      let header = false;
      const r = await labUp({
        ...o,
        ca: { topology: o.caTopology, ownIds: o.caOwnIds },
        out,
        onPhase: (phase, ms) => {
          // Printed once work has begun, so a refusal (lab exists) is the only line.
          if (!header) process.stdout.write(`lab ${o.name}: ${o.hosts} hosts, ${o.topology}, ${o.entries} entries\n`);
          header = true;
          process.stdout.write(`  ${phase.padEnd(52)} ${seconds(ms)}\n`);
        },
      });
      process.stdout.write(`lab ${o.name} up in ${seconds(performance.now() - t0)}; inventory ${r.inventoryFile}\n`);
      process.stdout.write(`next: lifeboat inventory check -i ${out}\n`);
    });

  lab
    .command('down')
    .description('Stop the lab processes and remove its namespaces, bridge, files and /etc/hosts lines (safe to repeat)')
    .addOption(nameOption())
    .action(async (o: { name: string }) => {
      const existed = await labDown(o.name);
      process.stdout.write(existed ? `lab ${o.name} removed\n` : `no lab ${o.name}; leftovers (if any) removed\n`);
    });

  lab
    .command('status')
    .description('Hosts, their processes and each host\'s agreement statuses')
    .addOption(nameOption())
    .option('--json', 'machine-readable output', false)
    .action(async (o: { name: string; json: boolean }) => {
      const s = await labStatus(o.name);
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s) + '\n');
    });

  lab
    .command('kill <host>')
    .description('Server loss: kill every process of the host and delete its data')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await labKill(o.name, host);
      process.stdout.write(`${host}: processes killed, data removed (lab revive ${host} brings back an empty host)\n`);
    });

  lab
    .command('revive <host>')
    .description('Bring a killed host back empty (new SSH host key), like a reinstalled server')
    .addOption(nameOption())
    .option('--keep-known-hosts', "leave the old host key in the lab's known_hosts", false)
    .action(async (host: string, o: { name: string; keepKnownHosts: boolean }) => {
      const r = await labRevive(o.name, host, { keepKnownHosts: o.keepKnownHosts });
      process.stdout.write(`${host}: running again, empty; new host key ${r.hostKeyLine.split(' ').slice(1).join(' ')}\n`);
    });

  lab
    .command('poweroff <host>')
    .description('Power cut that keeps the disk: every process of the host dies, its data stays (lab poweron brings the same server back)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await labPowerOff(o.name, host);
      process.stdout.write(`${host}: powered off, disk kept\n`);
    });

  lab
    .command('poweron <host>')
    .description('Start a powered-off host again on its old disk (same host key, same data and changelog)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await labPowerOn(o.name, host);
      process.stdout.write(`${host}: running again on its old disk\n`);
    });

  lab
    .command('cut <host>')
    .description('Network partition: take the host\'s link down (its processes keep running)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await labCut(o.name, host);
      process.stdout.write(`${host}: network cut\n`);
    });

  lab
    .command('uncut <host>')
    .description('Bring the host\'s link back up')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await labUncut(o.name, host);
      process.stdout.write(`${host}: network restored\n`);
    });

  lab
    .command('exec <host> <command...>')
    .description('Run a command inside the host\'s namespaces: lifeboat lab exec ds1 -- dsctl lab status')
    .addOption(nameOption())
    .action(async (host: string, command: string[], o: { name: string }) => {
      const r = await labExec(o.name, host, command, { inherit: true });
      process.exitCode = r.code ?? 1;
    });
}
