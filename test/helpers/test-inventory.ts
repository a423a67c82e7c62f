import type { TestSshServer } from './ssh-server.ts';

/**
 * The YAML of an inventory whose hosts are in-process test servers on 127.0.0.1, one port each,
 * all reached with the first server's client key and verified against `knownHosts`.
 */
export function testInventoryYaml(opts: { cluster: string; servers: TestSshServer[]; names: string[]; knownHosts: string; extra?: string }): string {
  const hosts = opts.servers.map((s, i) => `  ${opts.names[i]}:\n    address: 127.0.0.1\n    ssh: { port: ${s.port} }\n`).join('');
  return `cluster: ${opts.cluster}
profile: 389ds
ssh:
  user: root
  identity_file: ${opts.servers[0]!.clientKeyPath}
  known_hosts: ${opts.knownHosts}
  use_agent: false
  connect_retries: 0
  connect_timeout: 5s
${opts.extra ?? ''}hosts:
${hosts}`;
}
