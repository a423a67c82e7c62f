import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../util/errors.ts';
import { labDown } from './down.ts';
import { addHostsBlock } from './etc-hosts.ts';
import { hostsLines, writeLabFiles } from './host-files.ts';
import { createHost, setKnownHost } from './hosts.ts';
import { bridgeName, controllerAddress, hostAddress, labPaths, netnsName, vethName } from './names.ts';
import { allowBridgeForwarding, chooseSubnetOctet, createBridge } from './network.ts';
import { runLocal } from './run-local.ts';
import { readState, writeState, type LabHostState, type LabState } from './state.ts';

/** What every profile's `lab up` shares; the profile's lab (src/profiles/<name>/lab/up.ts) adds its servers. */

/** Bad input (exit 2): nothing was changed. */
export class LabExistsError extends InputError {
  constructor(readonly lab: string) {
    super(`lab "${lab}" already exists; use it as it is, run \`lifeboat lab down --name ${lab}\` first, or pass --recreate`);
  }
}

/** A phase of `lab up` that failed: names the phase and the log that shows what ran. */
export class LabPhaseError extends Error {
  constructor(
    readonly phase: string,
    readonly log: string,
    override readonly cause: unknown,
  ) {
    super(`lab up failed in phase "${phase}": ${(cause as Error)?.message ?? String(cause)}\n  log: ${log}`);
    this.name = 'LabPhaseError';
  }
}

export interface LabBuild {
  name: string;
  paths: ReturnType<typeof labPaths>;
  inventoryFile: string;
  /** The lab's up.log: every command that ran. */
  log: string;
  /** Runs one phase and reports its duration; a failure inside it is reported under its name. */
  timed<T>(phase: string, fn: () => Promise<T>): Promise<T>;
  /** Names the phase a failure is reported under, for phases timed elsewhere (the provisioning run's steps). */
  setPhase(phase: string): void;
}

export interface LabBuildOptions {
  /** Already checked (checkLabName), as root (requireRoot). */
  name: string;
  out: string;
  recreate?: boolean;
  /** First line of up.log. */
  logTitle: string;
  onPhase?: (phase: string, ms: number) => void;
}

/**
 * Runs a profile's `lab up` phases: an existing lab is refused (or taken down with recreate), the
 * log is started, and when a phase fails what this run created is undone (the logs are kept so the
 * error can be read) and the error names the phase.
 */
export async function buildLab<T>(o: LabBuildOptions, phases: (b: LabBuild) => Promise<T>): Promise<T> {
  const name = o.name;
  if (await readState(name)) {
    if (!o.recreate) throw new LabExistsError(name);
    await labDown(name);
  }
  const paths = labPaths(name);
  const inventoryFile = resolve(o.out);
  await mkdir(paths.logDir, { recursive: true });
  const log = join(paths.logDir, 'up.log');
  await writeFile(log, `${o.logTitle}: ${new Date().toISOString()}\n`);
  let phase = 'prerequisites';
  const b: LabBuild = {
    name,
    paths,
    inventoryFile,
    log,
    async timed(ph, fn) {
      phase = ph;
      const t0 = performance.now();
      const r = await fn();
      o.onPhase?.(ph, Math.round(performance.now() - t0));
      return r;
    },
    setPhase: (ph) => (phase = ph),
  };
  try {
    return await phases(b);
  } catch (err) {
    await writeFile(join(paths.logDir, 'error.txt'), String((err as Error)?.stack ?? err)).catch(() => undefined);
    await labDown(name, { keepLogs: true, inventoryFile }).catch(() => undefined);
    throw new LabPhaseError(phase, log, err);
  }
}

/** One lab host's record: its address on the lab's subnet, its namespace and link names. */
export function labHostState(lab: string, octet: number, host: string, index: number): LabHostState {
  return { name: host, index, address: hostAddress(octet, index), netns: netnsName(lab, host), veth: vethName(lab, host) };
}

/**
 * The lab's subnet, bridge and forwarding rule. The state (the profile's fields, from `describe`)
 * is written before anything exists and again after, so a failure below can be undone.
 */
export async function createLabNetwork(
  b: LabBuild,
  describe: (base: Pick<LabState, 'name' | 'created' | 'subnetOctet' | 'controllerAddress' | 'inventoryFile'>) => LabState,
): Promise<LabState> {
  const octet = await chooseSubnetOctet(b.name);
  const s = describe({ name: b.name, created: new Date().toISOString(), subnetOctet: octet, controllerAddress: controllerAddress(octet), inventoryFile: b.inventoryFile });
  s.bridge = bridgeName(b.name);
  await writeState(s);
  await createBridge(b.name, octet, b.log);
  s.forwardRule = await allowBridgeForwarding(b.name, b.log);
  await writeState(s);
  return s;
}

/** The lab's SSH key, shared files and /etc/hosts lines, then every host started and its key known. */
export async function createLabHosts(b: LabBuild, st: LabState): Promise<void> {
  await runLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `lifeboat-lab-${b.name}`, '-f', b.paths.privateKey], { log: b.log });
  await writeLabFiles(b.name, st.hosts);
  st.hostsBlock = true;
  await writeState(st);
  await addHostsBlock(b.name, hostsLines(st.hosts, b.name));
  // Hosts start in parallel: each is independent and sshd start-up dominates.
  const lines = await Promise.all(st.hosts.map((h) => createHost(st, h, b.log)));
  for (const [i, h] of st.hosts.entries()) await setKnownHost(b.name, h.name, lines[i]!);
}
