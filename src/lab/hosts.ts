import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHostNetwork, deleteHostNetwork } from './network.ts';
import { prepareHostDirs } from './host-files.ts';
import { killHost, startHost, waitForPort } from './host-process.ts';
import { labPaths } from './names.ts';
import { writeState, type LabHostState, type LabState } from './state.ts';

/**
 * Brings one host to life: private directories and host key, network namespace and veth, then its
 * PID 1 (sshd). The state file is updated before each step creates something, so a failure
 * part-way still leaves `down` a full list of what to remove.
 */
export async function createHost(state: LabState, h: LabHostState, log: string, opts: { network?: boolean } = {}): Promise<string> {
  const { hostKeyLine } = await prepareHostDirs(state.name, h.name, h.address, log, state.privateDirs);
  if (opts.network !== false) await createHostNetwork(state.name, h.name, h.address, log);
  const { unsharePid, pid1 } = await startHost(state.name, h.name);
  h.unsharePid = unsharePid;
  h.pid1 = pid1;
  h.killed = false;
  await writeState(state);
  await waitForPort(h.address, 22, 15_000);
  return hostKeyLine;
}

/** Stops every process of the host (its PID namespace dies with its PID 1). */
export async function stopHost(state: LabState, h: LabHostState): Promise<void> {
  await killHost(state.name, h.name, h.pid1, h.unsharePid);
  h.pid1 = undefined;
  h.unsharePid = undefined;
  await writeState(state);
}

/** Removes the host's namespace, veth and private directories (its data). */
export async function removeHost(state: LabState, h: LabHostState, log?: string): Promise<void> {
  await stopHost(state, h);
  await deleteHostNetwork(state.name, h.name, log);
  await rm(labPaths(state.name).host(h.name), { recursive: true, force: true });
}

/** Replaces (or adds) a host's line in the lab's known_hosts file. */
export async function setKnownHost(lab: string, host: string, line: string): Promise<void> {
  const file = labPaths(lab).knownHosts;
  const old = await readFile(file, 'utf8').catch(() => '');
  const kept = old.split('\n').filter((l) => l && !l.startsWith(`${host},`));
  await writeFile(file, [...kept, line].join('\n') + '\n', { mode: 0o644 });
}

export function hostLog(lab: string, name: string): string {
  return join(labPaths(lab).logDir, name);
}
