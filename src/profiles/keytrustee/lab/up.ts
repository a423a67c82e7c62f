import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { labDown, labExec, labPaths, readState, checkLabName, LabExistsError, LabPhaseError, LabPrerequisiteError } from '../../../lab/index.ts';
import { addHostsBlock } from '../../../lab/etc-hosts.ts';
import { hostsLines, writeLabFiles } from '../../../lab/host-files.ts';
import { createHost, setKnownHost } from '../../../lab/hosts.ts';
import { bridgeName, controllerAddress, fqdn, hostAddress, netnsName, vethName } from '../../../lab/names.ts';
import { allowBridgeForwarding, chooseSubnetOctet, createBridge } from '../../../lab/network.ts';
import { ensurePackages, requireRoot } from '../../../lab/prerequisites.ts';
import { runLocal } from '../../../lab/run-local.ts';
import { writeState, type LabState } from '../../../lab/state.ts';
import type { ProfileLabOptions } from '../../types.ts';
import { KTS_DEFAULTS } from '../info.ts';
import { ktsVars, type KtsVars } from '../kts-vars.ts';
import { parseDigest } from '../pg.ts';
import { activeScript, confdirScript, passiveScript } from './provision-scripts.ts';

export const KTS_LAB_HOSTS = [
  { name: 'kts1', role: 'active' },
  { name: 'kts2', role: 'passive' },
] as const;

/** What `lab status` says about a keytrustee lab. */
export const KTS_LAB_NOTE =
  "Cloudera's Key Trustee daemon (keytrusteed) is not installable here: each host runs real PostgreSQL 15 " +
  'in pg_rootdir on db_port, owned by the service account, with a keytrustee database of deposits, a confdir ' +
  '(keytrustee.conf, GPG keyring) and streaming replication active -> passive. Backups and restores work on ' +
  'exactly those parts; the daemon itself (its REST API, key handling) is what the lab stands in for.';

const vars: KtsVars = ktsVars({ vars: {}, hosts: [] } as never);

async function ensureServiceUser(log: string): Promise<void> {
  const r = await runLocal(['id', '-u', KTS_DEFAULTS.service_user], { allowFail: true, log });
  if (r.code !== 0) {
    await runLocal(['useradd', '--system', '--user-group', '--home-dir', '/var/lib/keytrustee', '--no-create-home', '--shell', '/bin/sh', KTS_DEFAULTS.service_user], { log });
  }
  // An empty mount point on the machine; each host bind-mounts its own directory over it.
  await mkdir('/var/lib/keytrustee', { recursive: true, mode: 0o755 });
}

async function hostScript(lab: string, host: string, script: string): Promise<string> {
  const r = await labExec(lab, host, ['sh', '-s'], { input: script });
  if (r.code !== 0) throw new Error(`${host}: provisioning failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

export function ktsLabInventory(state: LabState): Record<string, unknown> {
  const p = labPaths(state.name);
  return {
    cluster: state.name,
    profile: 'keytrustee',
    ssh: { user: 'root', port: 22, identity_file: p.privateKey, known_hosts: p.knownHosts, host_key_policy: 'strict', use_agent: false, connect_timeout: '5s' },
    vars: { confdir: vars.confdir, db_port: vars.dbPort, pg_rootdir: vars.pgRootdir, service_user: vars.serviceUser, database: vars.database, pg_bindir: vars.pgBindir },
    hosts: Object.fromEntries(state.hosts.map((h, i) => [h.name, { address: h.address, roles: [KTS_LAB_HOSTS[i]!.role], vars: { fqdn: fqdn(h.name) } }])),
    groups: { kts: state.hosts.map((h) => h.name) },
  };
}

/** `lifeboat lab up --profile keytrustee`: kts1 (active) and kts2 (passive) on the 389-ds lab's host machinery. */
export async function ktsLabUp(o: ProfileLabOptions): Promise<{ inventoryFile: string }> {
  const name = checkLabName(o.name);
  await requireRoot();
  if (!existsSync(`${vars.pgBindir}/initdb`)) throw new LabPrerequisiteError(`PostgreSQL 15 is not installed (${vars.pgBindir}/initdb); run: apt-get install -y postgresql`);
  if (await readState(name)) {
    if (!o.recreate) throw new LabExistsError(name);
    await labDown(name);
  }
  const p = labPaths(name);
  const inventoryFile = resolve(o.out);
  await mkdir(p.logDir, { recursive: true });
  const log = join(p.logDir, 'up.log');
  await writeFile(log, `lab up ${name} (keytrustee): ${new Date().toISOString()}\n`);
  let phase = 'prerequisites';
  const timed = async <T>(ph: string, fn: () => Promise<T>): Promise<T> => {
    phase = ph;
    const t0 = performance.now();
    const r = await fn();
    o.onPhase?.(ph, Math.round(performance.now() - t0));
    return r;
  };
  try {
    await timed('prerequisites', async () => {
      await ensurePackages(log);
      await ensureServiceUser(log);
    });
    const st = await timed('network', async () => {
      const octet = await chooseSubnetOctet(name);
      const s: LabState = {
        name,
        created: new Date().toISOString(),
        subnetOctet: octet,
        controllerAddress: controllerAddress(octet),
        inventoryFile,
        topology: 'active-passive',
        profile: 'keytrustee',
        privateDirs: [{ path: '/var/lib/keytrustee', dir: 'var-lib-keytrustee', mode: 0o755, owner: vars.serviceUser }],
        hosts: KTS_LAB_HOSTS.map((h, i) => ({ name: h.name, index: i + 1, address: hostAddress(octet, i + 1), netns: netnsName(name, h.name), veth: vethName(name, h.name) })),
      };
      s.bridge = bridgeName(name);
      await writeState(s);
      await createBridge(name, octet, log);
      s.forwardRule = await allowBridgeForwarding(name, log);
      await writeState(s);
      return s;
    });
    await timed('hosts', async () => {
      await runLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `lifeboat-lab-${name}`, '-f', p.privateKey], { log });
      await writeLabFiles(name, st.hosts);
      st.hostsBlock = true;
      await writeState(st);
      await addHostsBlock(name, hostsLines(st.hosts, name));
      const lines = await Promise.all(st.hosts.map((h) => createHost(st, h, log)));
      for (const [i, h] of st.hosts.entries()) await setKnownHost(name, h.name, lines[i]!);
    });
    const [active, passive] = st.hosts as [LabState['hosts'][number], LabState['hosts'][number]];
    const digest = await timed(`active ${active.name}: PostgreSQL, ${o.deposits} deposits`, async () => {
      await hostScript(name, active.name, confdirScript(vars, active.name, fqdn(active.name), 'active'));
      return parseDigest((await hostScript(name, active.name, activeScript(vars, o.deposits))).trim().split('\n').pop() ?? '');
    });
    await timed(`passive ${passive.name}: streaming standby`, async () => {
      await hostScript(name, passive.name, confdirScript(vars, passive.name, fqdn(passive.name), 'passive'));
      await hostScript(name, passive.name, passiveScript(vars, active.address));
    });
    o.onProgress?.(`deposits: ${digest.count} (digest ${digest.digest})`);
    await timed('inventory', async () => {
      await mkdir(resolve(inventoryFile, '..'), { recursive: true });
      const header = `# Written by \`lifeboat lab up --profile keytrustee\` for lab "${name}"; removed by \`lifeboat lab down\`.\n# ${KTS_LAB_NOTE}\n`;
      await writeFile(inventoryFile, header + stringify(ktsLabInventory(st)), { mode: 0o644 });
    });
    return { inventoryFile };
  } catch (err) {
    await writeFile(join(p.logDir, 'error.txt'), String((err as Error)?.stack ?? err)).catch(() => undefined);
    await labDown(name, { keepLogs: true, inventoryFile }).catch(() => undefined);
    throw new LabPhaseError(phase, log, err);
  }
}
