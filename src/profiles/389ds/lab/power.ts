import { labExec, loadLab } from '../../../lab/host-ops.ts';
import { labPowerOnHost } from '../../../lab/power.ts';
import { LAB_INSTANCE } from './shape.ts';
import { runDirsCommand } from '../actions/provision/instance-create.ts';
import { shq } from '../actions/ldap.ts';

/** Starts the host again on its old disk (same host key) and its directory server. */
export async function labPowerOn(name: string, host: string): Promise<void> {
  await labPowerOnHost(name, host);
  // /run is a new tmpfs: ns-slapd refuses to start without its lock directory (no systemd-tmpfiles here).
  const inst = (await loadLab(name)).instance ?? LAB_INSTANCE;
  const r = await labExec(name, host, ['sh', '-c', `${runDirsCommand(inst)} && dsctl ${shq(inst)} start`]);
  if (r.code !== 0) throw new Error(`${host}: dsctl start failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
}
