import { findHost, loadLab } from './host-ops.ts';
import { startHost, waitForPort } from './host-process.ts';
import { stopHost } from './hosts.ts';
import { writeState } from './state.ts';

/**
 * A power cut that keeps the disk: every process of the host dies at once (like `lab kill`), but
 * its data stays, so `lab poweron` brings back the SAME server with its old data and changelog,
 * the way a supplier that was down during a restore comes back.
 */
export async function labPowerOff(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  await stopHost(state, findHost(state, host));
}

/** Starts the host again on its old disk (same host key), up to its sshd; its servers are the profile's to start. */
export async function labPowerOnHost(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  const h = findHost(state, host);
  const { unsharePid, pid1 } = await startHost(state.name, h.name);
  h.unsharePid = unsharePid;
  h.pid1 = pid1;
  h.killed = false;
  await writeState(state);
  await waitForPort(h.address, 22, 15_000);
}
