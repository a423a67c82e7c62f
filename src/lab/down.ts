import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { deleteBridge, deleteHostNetwork, removeBridgeForwarding } from './network.ts';
import { removeHostsBlock } from './etc-hosts.ts';
import { checkLabName, labPaths } from './names.ts';
import { readState, type LabState } from './state.ts';
import { removeHost } from './hosts.ts';
import { strayLabProcesses } from './host-process.ts';
import { runLocal } from './run-local.ts';

async function labNamespaces(name: string): Promise<string[]> {
  const { stdout } = await runLocal(['ip', 'netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((ns) => ns.startsWith(`lifeboat-${name}-`));
}

/**
 * Removes exactly what the lab recorded: host processes (by pid, after checking they are the
 * lab's), namespaces, veths, the bridge, the /etc/hosts block and the lab's files. Safe to run
 * twice; returns false when there was no lab.
 */
export async function labDown(name: string, opts: { keepLogs?: boolean; inventoryFile?: string } = {}): Promise<boolean> {
  checkLabName(name);
  const p = labPaths(name);
  const state = await readState(name);
  if (state) await teardown(state);
  // unshare runs with --kill-child, so killing a stray one ends its host too.
  const strays = strayLabProcesses(name);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 30_000;
  while (strays.some((pid) => strayLabProcesses(name).includes(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const ns of await labNamespaces(name)) await runLocal(['ip', 'netns', 'delete', ns]).catch(() => undefined);
  // Names are derived from the lab name, so leftovers of a crashed `up` without a state file go too.
  await deleteBridge(name);
  if (state?.forwardRule) await removeBridgeForwarding(name);
  await removeHostsBlock(name);
  const inventory = state?.inventoryFile ?? opts.inventoryFile;
  if (inventory && existsSync(inventory)) await rm(inventory, { force: true });
  if (opts.keepLogs) {
    for (const entry of ['state.json', 'id_ed25519', 'id_ed25519.pub', 'known_hosts', 'secrets', 'hosts', 'defaults.inf', 'host-init.sh']) {
      await rm(`${p.dir}/${entry}`, { recursive: true, force: true });
    }
    for (const h of state?.hosts ?? []) await rm(p.host(h.name), { recursive: true, force: true });
  } else {
    await rm(p.dir, { recursive: true, force: true });
  }
  return state !== undefined;
}

async function teardown(state: LabState): Promise<void> {
  const errors: string[] = [];
  // Hosts go one at a time but all of them are tried even if one fails.
  for (const h of state.hosts) {
    try {
      await removeHost(state, h);
    } catch (err) {
      errors.push(`${h.name}: ${(err as Error).message}`);
      await deleteHostNetwork(state.name, h.name).catch(() => undefined);
    }
  }
  if (errors.length) throw new Error(`lab ${state.name}: could not remove everything:\n${errors.join('\n')}`);
}
