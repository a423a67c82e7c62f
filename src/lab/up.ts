import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { addHostsBlock } from './etc-hosts.ts';
import { hostsLines, writeLabFiles } from './host-files.ts';
import { createHost, setKnownHost } from './hosts.ts';
import { writeLabInventory } from './inventory-file.ts';
import { checkLabName, controllerAddress, hostAddress, hostName, labPaths, netnsName, bridgeName, vethName } from './names.ts';
import { allowBridgeForwarding, chooseSubnetOctet, createBridge } from './network.ts';
import { ensurePackages, requireRoot } from './prerequisites.ts';
import { provisionLab } from './provision.ts';
import { runLocal } from './run-local.ts';
import { InputError } from '../util/errors.ts';
import { readState, writeState, type LabState } from './state.ts';
import { labDown } from './down.ts';
import type { LabTopology } from './topology.ts';
import type { LabCaOptions } from './inventory-file.ts';
import { labShape, type LabShape } from './shape.ts';

export interface LabUpOptions extends LabShape {
  name: string;
  hosts: number;
  entries: number;
  topology: LabTopology;
  /** Inventory file to write (default inventories/<name>.yaml). */
  out: string;
  recreate?: boolean;
  /** The CA suffix's own shape: its topology among the CA hosts and independently numbered replica ids. */
  ca?: LabCaOptions;
  onPhase?: (phase: string, ms: number) => void;
  /** Progress lines for people watching (provisioning steps). */
  onProgress?: (message: string) => void;
}

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

export async function labUp(opts: LabUpOptions): Promise<{ inventoryFile: string }> {
  const name = checkLabName(opts.name);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 2 || opts.hosts > 8) throw new InputError('--hosts must be 2..8');
  const shape = labShape(opts); // bad --instance/--suffix: refused before anything exists
  await requireRoot();
  if (await readState(name)) {
    if (!opts.recreate) throw new LabExistsError(name);
    await labDown(name);
  }
  const p = labPaths(name);
  const inventoryFile = resolve(opts.out);
  await mkdir(p.logDir, { recursive: true });
  const log = join(p.logDir, 'up.log');
  await writeFile(log, `lab up ${name}: ${new Date().toISOString()}\n`);

  let state: LabState | undefined;
  let phase = 'prerequisites';
  const timed = async <T>(ph: string, fn: () => Promise<T>): Promise<T> => {
    phase = ph;
    const t0 = performance.now();
    const r = await fn();
    opts.onPhase?.(ph, Math.round(performance.now() - t0));
    return r;
  };
  try {
    await timed('prerequisites', () => ensurePackages(log));
    state = await timed('network', async () => {
      const octet = await chooseSubnetOctet(name);
      const s: LabState = {
        name,
        created: new Date().toISOString(),
        subnetOctet: octet,
        controllerAddress: controllerAddress(octet),
        inventoryFile,
        topology: opts.topology,
        instance: shape.instance,
        hosts: Array.from({ length: opts.hosts }, (_, i) => ({
          name: hostName(i + 1),
          index: i + 1,
          address: hostAddress(octet, i + 1),
          netns: netnsName(name, hostName(i + 1)),
          veth: vethName(name, hostName(i + 1)),
        })),
      };
      s.bridge = bridgeName(name);
      await writeState(s); // before anything exists, so a failure below can be undone
      await createBridge(name, octet, log);
      s.forwardRule = await allowBridgeForwarding(name, log);
      await writeState(s);
      return s;
    });
    const st = state;
    await timed('hosts', async () => {
      await runLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `lifeboat-lab-${name}`, '-f', p.privateKey], { log });
      await writeLabFiles(name, st.hosts);
      st.hostsBlock = true;
      await writeState(st);
      await addHostsBlock(name, hostsLines(st.hosts, name));
      await mkdir(p.secretsDir, { recursive: true, mode: 0o700 });
      await writeFile(p.dmPasswordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      await writeFile(p.replPasswordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      // Hosts start in parallel: each is independent and sshd start-up dominates.
      const lines = await Promise.all(st.hosts.map((h) => createHost(st, h, log)));
      for (const [i, h] of st.hosts.entries()) await setKnownHost(name, h.name, lines[i]!);
    });
    await timed('inventory', () => writeLabInventory(inventoryFile, st, opts.topology, opts.ca, shape));
    await provisionLab({
      state: st,
      inventoryFile,
      entries: opts.entries,
      log,
      onPhase: (ph, ms) => opts.onPhase?.(`provision: ${ph}`, ms),
      onProgress: opts.onProgress,
      setPhase: (ph) => (phase = `provision: ${ph}`),
    });
    return { inventoryFile };
  } catch (err) {
    await writeFile(join(p.logDir, 'error.txt'), String((err as Error)?.stack ?? err)).catch(() => undefined);
    // Undo what this run created; keep the logs so the error can be read.
    await labDown(name, { keepLogs: true, inventoryFile }).catch(() => undefined);
    throw new LabPhaseError(phase, log, err);
  }
}
