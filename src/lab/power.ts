import { labExec, findHost, loadLab } from './host-ops.ts';
import { startHost, waitForPort } from './host-process.ts';
import { stopHost } from './hosts.ts';
import { writeState } from './state.ts';
import { LAB_INSTANCE } from './shape.ts';
import { runDirsCommand } from '../profiles/389ds/actions/provision/instance-create.ts';
import { shq } from '../profiles/389ds/actions/ldap.ts';

/**
 * A power cut that keeps the disk: every process of the host dies at once (like `lab kill`), but
 * its data stays, so `lab poweron` brings back the SAME server with its old data and changelog,
 * the way a supplier that was down during a restore comes back.
 */
export async function labPowerOff(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  await stopHost(state, findHost(state, host));
}

/** Starts the host again on its old disk (same host key) and its directory server. */
export async function labPowerOn(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  const h = findHost(state, host);
  const { unsharePid, pid1 } = await startHost(state.name, h.name);
  h.unsharePid = unsharePid;
  h.pid1 = pid1;
  h.killed = false;
  await writeState(state);
  await waitForPort(h.address, 22, 15_000);
  // /run is a new tmpfs: ns-slapd refuses to start without its lock directory (no systemd-tmpfiles here).
  const inst = state.instance ?? LAB_INSTANCE;
  const r = await labExec(name, host, ['sh', '-c', `${runDirsCommand(inst)} && dsctl ${shq(inst)} start`]);
  if (r.code !== 0) throw new Error(`${host}: dsctl start failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
}
