import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildLab, createLabHosts, createLabNetwork, labHostState } from '../../../lab/build.ts';
import { labExec, labPaths, checkLabName, LabPrerequisiteError } from '../../../lab/index.ts';
import { fqdn } from '../../../lab/names.ts';
import { ensurePackages, requireRoot } from '../../../lab/prerequisites.ts';
import { runLocal } from '../../../lab/run-local.ts';
import type { LabState } from '../../../lab/state.ts';
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
  return buildLab({ name, out: o.out, recreate: o.recreate, logTitle: `lab up ${name} (keytrustee)`, onPhase: o.onPhase }, async (b) => {
    const { inventoryFile, log } = b;
    await b.timed('prerequisites', async () => {
      await ensurePackages(log);
      await ensureServiceUser(log);
    });
    const st = await b.timed('network', () =>
      createLabNetwork(b, (base) => ({
        ...base,
        topology: 'active-passive',
        profile: 'keytrustee',
        privateDirs: [{ path: '/var/lib/keytrustee', dir: 'var-lib-keytrustee', mode: 0o755, owner: vars.serviceUser }],
        hosts: KTS_LAB_HOSTS.map((h, i) => labHostState(name, base.subnetOctet, h.name, i + 1)),
      })),
    );
    await b.timed('hosts', () => createLabHosts(b, st));
    const [active, passive] = st.hosts as [LabState['hosts'][number], LabState['hosts'][number]];
    const digest = await b.timed(`active ${active.name}: PostgreSQL, ${o.deposits} deposits`, async () => {
      await hostScript(name, active.name, confdirScript(vars, active.name, fqdn(active.name), 'active'));
      return parseDigest((await hostScript(name, active.name, activeScript(vars, o.deposits))).trim().split('\n').pop() ?? '');
    });
    await b.timed(`passive ${passive.name}: streaming standby`, async () => {
      await hostScript(name, passive.name, confdirScript(vars, passive.name, fqdn(passive.name), 'passive'));
      await hostScript(name, passive.name, passiveScript(vars, active.address));
    });
    o.onProgress?.(`deposits: ${digest.count} (digest ${digest.digest})`);
    await b.timed('inventory', async () => {
      await mkdir(resolve(inventoryFile, '..'), { recursive: true });
      const header = `# Written by \`lifeboat lab up --profile keytrustee\` for lab "${name}"; removed by \`lifeboat lab down\`.\n# ${KTS_LAB_NOTE}\n`;
      await writeFile(inventoryFile, header + stringify(ktsLabInventory(st)), { mode: 0o644 });
    });
    return { inventoryFile };
  });
}
