/** Builds an in-memory inventory whose hosts are test SSH servers. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory, InventoryHost, SshSettings } from '../../../src/inventory/types.ts';
import type { TestSshServer } from '../../helpers/ssh-server.ts';

export function sshSettingsFor(server: TestSshServer, knownHosts: string, extra: Partial<SshSettings> = {}): SshSettings {
  return {
    user: 'tester',
    port: server.port,
    identityFile: server.clientKeyPath,
    knownHosts,
    hostKeyPolicy: 'strict',
    become: false,
    useAgent: false,
    connectTimeoutMs: 5000,
    keepaliveMs: 10000,
    connectRetries: 1,
    ...extra,
  };
}

/** Hosts `h0..hN` on 127.0.0.1, with a known_hosts file (in `dir`) that trusts each server's key. */
export function inventoryFor(servers: TestSshServer[], dir: string, extra: (i: number) => Partial<SshSettings> = () => ({})): Inventory {
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.hostPublicKeyLine()).join('\n') + '\n');
  const hosts: InventoryHost[] = servers.map((s, i) => ({
    name: `h${i}`,
    address: '127.0.0.1',
    roles: [],
    groups: [],
    vars: {},
    ssh: sshSettingsFor(s, knownHosts, extra(i)),
  }));
  return { file: join(dir, 'inventory.yaml'), cluster: 'test', profile: '389ds', vars: {}, hosts, groups: {}, secrets: {} };
}
