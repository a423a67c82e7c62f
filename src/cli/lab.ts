import { Command, InvalidArgumentError, Option } from 'commander';
import type { LabStatus } from '../lab/index.ts';
import { checkLabName } from '../lab/names.ts';
import { PROFILE_INFOS } from '../profiles/info.ts';
import { InputError } from '../util/errors.ts';

/** `lifeboat lab ...`: the local rehearsal lab (root; Debian packages 389-ds-base, openssh-server, ldap-utils, iproute2). */

/** The lab's code is loaded when a lab command runs, so `lifeboat --help` does not wait for it. */
const labApi = () => import('../lab/index.ts');
/** Likewise a profile's code (its lab lives there); only the names are needed up front. */
const loadProfile = async (name: string) => (await import('../profiles/registry.ts')).loadProfile(name);

const DEFAULT_LAB = process.env.LIFEBOAT_LAB ?? 'lab';
/** The first profile; a lab whose state names no profile predates profiles and is one of its labs. */
const DEFAULT_PROFILE = PROFILE_INFOS[0]!.name;
/** `lab up`'s --topology, --instance and --suffix are that profile's lab shape (389ds). */
const SHAPE = PROFILE_INFOS[0]!.labShape!;

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
    for (const p of h.processes) if (/ns-slapd|bin\/postgres|walsender|walreceiver|sshd: \/usr/.test(p.command)) lines.push(`      ${p.pid}  ${p.command}`);
    for (const a of h.agreements) lines.push(`      -> ${a.peer} ${a.suffix}${a.enabled ? '' : ' (disabled)'}: ${a.status}`);
    if (h.error) lines.push(`      agreements: ${h.error}`);
  }
  return lines.join('\n');
}

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('a local lab of real 389-ds servers, one network/mount/PID namespace each');

  lab
    .command('up')
    .description('create the lab hosts and provision them through the engine over SSH')
    .addOption(nameOption())
    .option('--hosts <n>', 'number of hosts ds1..dsN (2..8)', intIn(2, 8), 4)
    .option('--entries <n>', 'test entries seeded on ds1', intIn(0, 1_000_000), 1000)
    .addOption(new Option('--topology <kind>', 'replication topology').choices(SHAPE.topologies).default('mesh'))
    .option('-o, --out <file>', 'inventory to write (default inventories/<name>.yaml)')
    .option('--recreate', 'tear down an existing lab of that name first', false)
    .addOption(new Option('--profile <profile>', 'the profile whose servers the lab runs (see the README section of each profile)').choices(PROFILE_INFOS.map((p) => p.name)).default(DEFAULT_PROFILE))
    .option('--deposits <n>', 'records seeded by a profile\'s lab (keytrustee: deposits on the active)', intIn(0, 10_000_000), 1000)
    .addOption(new Option('--ca-topology <kind>', 'topology of the CA suffix (o=ipaca) among the CA hosts; default: mesh').choices(SHAPE.topologies))
    .option('--ca-own-ids', 'number the CA suffix\'s replica ids independently of the domain suffix\'s (as IdM does)', false)
    .option('--instance <name>', '389-ds instance name on every host (slapd-<name>)', SHAPE.instance)
    .option('--suffix <dn>', 'the main (domain) suffix', SHAPE.suffix)
    .action(async (o: { name: string; hosts: number; entries: number; topology: string; out?: string; recreate: boolean; profile: string; deposits: number; caTopology?: string; caOwnIds: boolean; instance: string; suffix: string }) => {
      checkLabName(o.name);
      SHAPE.checkShape(o); // a bad --instance/--suffix is refused before anything starts
      const out = o.out ?? `inventories/${o.name}.yaml`;
      const t0 = performance.now();
      let header = false;
      const { lab: profileLab } = await loadProfile(o.profile);
      if (!profileLab) throw new InputError(`profile ${o.profile} has no lab`);
      const opts = { ...o, ca: { topology: o.caTopology, ownIds: o.caOwnIds }, out };
      const r = await profileLab.up({
        ...opts,
        onProgress: (line) => process.stdout.write(`  ${line}\n`),
        onPhase: (phase, ms) => {
          // Printed once work has begun, so a refusal (lab exists) is the only line.
          if (!header) process.stdout.write(`${profileLab.banner(opts)}\n`);
          header = true;
          process.stdout.write(`  ${phase.padEnd(52)} ${seconds(ms)}\n`);
        },
      });
      process.stdout.write(`lab ${o.name} up in ${seconds(performance.now() - t0)}; inventory ${r.inventoryFile}\n`);
      process.stdout.write(`next: lifeboat inventory check -i ${out}\n`);
    });

  lab
    .command('down')
    .description('stop the lab processes and remove its namespaces, bridge, files and /etc/hosts lines (safe to repeat)')
    .addOption(nameOption())
    .action(async (o: { name: string }) => {
      const existed = await (await labApi()).labDown(o.name);
      process.stdout.write(existed ? `lab ${o.name} removed\n` : `no lab ${o.name}; leftovers (if any) removed\n`);
    });

  lab
    .command('status')
    .description('hosts, their processes and each host\'s agreement statuses')
    .addOption(nameOption())
    .option('--json', 'machine-readable output', false)
    .action(async (o: { name: string; json: boolean }) => {
      const lab = await labApi();
      const profile = (await lab.readState(o.name))?.profile;
      const profileLab = (await loadProfile(profile ?? DEFAULT_PROFILE)).lab;
      // A profile's lab reads what its servers add (389ds: agreements) and says what it stands in for (keytrustee: no Cloudera daemon).
      const s = (await profileLab?.status?.(o.name)) ?? (await lab.labHostsStatus(o.name));
      const notes = profile ? ((await profileLab?.statusNotes?.(o.name)) ?? []) : [];
      process.stdout.write(o.json ? JSON.stringify({ ...s, ...(profile ? { profile, notes } : {}) }, null, 2) + '\n' : [formatStatus(s), ...notes.map((n) => `  note: ${n}`)].join('\n') + '\n');
    });

  lab
    .command('kill <host>')
    .description('server loss: kill every process of the host and delete its data')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await (await labApi()).labKill(o.name, host);
      process.stdout.write(`${host}: processes killed, data removed (lab revive ${host} brings back an empty host)\n`);
    });

  lab
    .command('revive <host>')
    .description('bring a killed host back empty (new SSH host key), like a reinstalled server')
    .addOption(nameOption())
    .option('--keep-known-hosts', "leave the old host key in the lab's known_hosts", false)
    .action(async (host: string, o: { name: string; keepKnownHosts: boolean }) => {
      const r = await (await labApi()).labRevive(o.name, host, { keepKnownHosts: o.keepKnownHosts });
      process.stdout.write(`${host}: running again, empty; new host key ${r.hostKeyLine.split(' ').slice(1).join(' ')}\n`);
    });

  lab
    .command('poweroff <host>')
    .description('power cut that keeps the disk: every process of the host dies, its data stays (lab poweron brings the same server back)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await (await labApi()).labPowerOff(o.name, host);
      process.stdout.write(`${host}: powered off, disk kept\n`);
    });

  lab
    .command('poweron <host>')
    .description('start a powered-off host again on its old disk (same host key, same data and changelog)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      const lab = await labApi();
      const powerOn = (await loadProfile((await lab.readState(o.name))?.profile ?? DEFAULT_PROFILE)).lab?.powerOn;
      await (powerOn ? powerOn(o.name, host) : lab.labPowerOnHost(o.name, host));
      process.stdout.write(`${host}: running again on its old disk\n`);
    });

  lab
    .command('cut <host>')
    .description('network partition: take the host\'s link down (its processes keep running)')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await (await labApi()).labCut(o.name, host);
      process.stdout.write(`${host}: network cut\n`);
    });

  lab
    .command('uncut <host>')
    .description('bring the host\'s link back up')
    .addOption(nameOption())
    .action(async (host: string, o: { name: string }) => {
      await (await labApi()).labUncut(o.name, host);
      process.stdout.write(`${host}: network restored\n`);
    });

  lab
    .command('exec <host> <command...>')
    .description('run a command inside the host\'s namespaces: lifeboat lab exec ds1 -- dsctl lab status')
    .addOption(nameOption())
    .action(async (host: string, command: string[], o: { name: string }) => {
      const r = await (await labApi()).labExec(o.name, host, command, { inherit: true });
      process.exitCode = r.code ?? 1;
    });
}
