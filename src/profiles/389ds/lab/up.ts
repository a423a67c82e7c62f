import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { buildLab, createLabHosts, createLabNetwork, labHostState } from '../../../lab/build.ts';
import { checkLabName, hostName } from '../../../lab/names.ts';
import { ensurePackages, requireRoot } from '../../../lab/prerequisites.ts';
import { InputError } from '../../../util/errors.ts';
import { writeLabInventory, type LabCaOptions } from './inventory-file.ts';
import { provisionLab } from './provision.ts';
import { labShape, type LabShape } from './shape.ts';
import type { LabTopology } from './topology.ts';

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

/** `lifeboat lab up` (profile 389ds): hosts ds1..dsN provisioned by the engine with playbooks/389ds/lab-provision.yaml. */
export async function labUp(opts: LabUpOptions): Promise<{ inventoryFile: string }> {
  const name = checkLabName(opts.name);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 2 || opts.hosts > 8) throw new InputError('--hosts must be 2..8');
  const shape = labShape(opts); // bad --instance/--suffix: refused before anything exists
  await requireRoot();
  return buildLab({ name, out: opts.out, recreate: opts.recreate, logTitle: `lab up ${name}`, onPhase: opts.onPhase }, async (b) => {
    const { inventoryFile, log } = b;
    await b.timed('prerequisites', () => ensurePackages(log));
    const st = await b.timed('network', () =>
      createLabNetwork(b, (base) => ({
        ...base,
        topology: opts.topology,
        instance: shape.instance,
        hosts: Array.from({ length: opts.hosts }, (_, i) => labHostState(name, base.subnetOctet, hostName(i + 1), i + 1)),
      })),
    );
    await b.timed('hosts', async () => {
      await mkdir(b.paths.secretsDir, { recursive: true, mode: 0o700 });
      await writeFile(b.paths.dmPasswordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      await writeFile(b.paths.replPasswordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      await createLabHosts(b, st);
    });
    await b.timed('inventory', () => writeLabInventory(inventoryFile, st, opts.topology, opts.ca, shape));
    await provisionLab({
      state: st,
      inventoryFile,
      entries: opts.entries,
      log,
      onPhase: (ph, ms) => opts.onPhase?.(`provision: ${ph}`, ms),
      onProgress: opts.onProgress,
      setPhase: (ph) => b.setPhase(`provision: ${ph}`),
    });
    return { inventoryFile };
  });
}
