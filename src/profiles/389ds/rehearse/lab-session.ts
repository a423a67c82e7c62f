import { join } from 'node:path';
import { loadInventory } from '../../../inventory/index.ts';
import type { Inventory } from '../../../inventory/types.ts';
import { SshPool } from '../../../transport/index.ts';
import type { RemoteHost } from '../../../transport/types.ts';
import { instanceName, mainSuffixes } from '../actions/host-vars.ts';

/** A lab a rehearsal (or an e2e test) works on: its inventory and one SSH pool to talk to it directly. */
export interface LabSession {
  lab: string;
  inventoryFile: string;
  inventory: Inventory;
  hosts: string[];
  instance: string;
  suffix: string;
  connect(host: string): Promise<RemoteHost>;
  /** Forgets connections (after a host was killed or rebuilt). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function openSession(lab: string, inventoryFile: string): Promise<LabSession> {
  const inventory = await loadInventory(inventoryFile);
  const first = inventory.hosts[0]!;
  let pool = new SshPool(inventory);
  return {
    lab,
    inventoryFile,
    inventory,
    hosts: inventory.hosts.map((h) => h.name),
    instance: instanceName(inventory, first),
    suffix: mainSuffixes(inventory, first)[0] ?? 'dc=lab,dc=test',
    connect: (host) => pool.get(host),
    async reset() {
      await pool.closeAll().catch(() => undefined);
      pool = new SshPool(inventory);
    },
    close: () => pool.closeAll(),
  };
}

export function defaultInventoryPath(stateDir: string, lab: string): string {
  return join(stateDir, 'rehearsals', lab, 'inventory.yaml');
}
