import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { InputErrors } from '../../../src/util/errors.ts';
import { errorLines, tempDir } from './temp-files.ts';

const tmp = tempDir();

const EXAMPLE = `cluster: prod-idm
profile: 389ds
ssh: { user: admin, port: 22, identity_file: ~/.ssh/id_ed25519, known_hosts: ./known_hosts, host_key_policy: strict, jump: bastion, become: true, become_password: { env: SUDO_PW }, connect_timeout: 10s, keepalive: 1m30s, connect_retries: 5, use_agent: false }
vars: { instance: EXAMPLE-COM, suffixes: ["dc=example,dc=com"], ca_suffix: o=ipaca }
secrets: { dm_password: { env: DM_PASSWORD }, backup_key: { file: keys/backup.pw } }
hosts:
  ds1: { address: 10.0.0.1, roles: [ca, dns], vars: { replica_id: 1 } }
  ds2: { address: ds2.example.com, roles: [ca, x-witness], ssh: { port: 2222, connect_timeout: 500 } }
  ds3:
groups: { dc1: [ds1, ds2], dc2: [ds3] }
`;

describe('loadInventory: Lifeboat format', () => {
  it('reads cluster, profile, vars, secrets, hosts and groups', async () => {
    const file = tmp.write('example.yaml', EXAMPLE);
    const inv = await loadInventory(file);
    expect(inv.file).toBe(file);
    expect(inv.cluster).toBe('prod-idm');
    expect(inv.profile).toBe('389ds');
    expect(inv.vars).toEqual({ instance: 'EXAMPLE-COM', suffixes: ['dc=example,dc=com'], ca_suffix: 'o=ipaca' });
    expect(inv.secrets).toEqual({ dm_password: { env: 'DM_PASSWORD' }, backup_key: { file: join(tmp.dir, 'keys/backup.pw') } });
    expect(inv.groups).toEqual({ dc1: ['ds1', 'ds2'], dc2: ['ds3'] });
    expect(inv.hosts.map((h) => [h.name, h.address, h.roles, h.groups])).toEqual([
      ['ds1', '10.0.0.1', ['ca', 'dns'], ['dc1']],
      ['ds2', 'ds2.example.com', ['ca', 'x-witness'], ['dc1']],
      // A host with no map is reached at its own name.
      ['ds3', 'ds3', [], ['dc2']],
    ]);
    expect(inv.hosts[0]!.vars).toEqual({ replica_id: 1 });
    expect(inv.warnings).toBeUndefined();
  });

  it('merges SSH settings: defaults, then inventory, then host; paths and durations resolved', async () => {
    const inv = await loadInventory(tmp.write('ssh.yaml', EXAMPLE));
    const [ds1, ds2, ds3] = inv.hosts;
    expect(ds1!.ssh).toEqual({
      user: 'admin',
      port: 22,
      identityFile: join(homedir(), '.ssh/id_ed25519'),
      knownHosts: join(tmp.dir, 'known_hosts'),
      hostKeyPolicy: 'strict',
      jump: 'bastion',
      become: true,
      becomePassword: { env: 'SUDO_PW' },
      useAgent: false,
      connectTimeoutMs: 10_000,
      keepaliveMs: 90_000,
      connectRetries: 5,
    });
    expect(ds2!.ssh.port).toBe(2222);
    expect(ds2!.ssh.connectTimeoutMs).toBe(500);
    expect(ds2!.ssh.user).toBe('admin');
    expect(ds3!.ssh.port).toBe(22);
  });

  it('uses defaults for everything optional', async () => {
    const inv = await loadInventory(tmp.write('minimal.yaml', 'hosts:\n  a: { address: 127.0.0.1 }\n'));
    expect(inv.cluster).toBe('minimal');
    expect(inv.profile).toBe('389ds');
    expect(inv.hosts[0]!.ssh).toEqual({
      user: 'root',
      port: 22,
      hostKeyPolicy: 'strict',
      become: false,
      useAgent: true,
      connectTimeoutMs: 10_000,
      keepaliveMs: 15_000,
      connectRetries: 3,
    });
  });

  it('allows two hosts on one address when their ports differ', async () => {
    const inv = await loadInventory(
      tmp.write('ports.yaml', 'hosts:\n  a: { address: 127.0.0.1, ssh: { port: 2201 } }\n  b: { address: 127.0.0.1, ssh: { port: 2202 } }\n'),
    );
    expect(inv.hosts.map((h) => h.ssh.port)).toEqual([2201, 2202]);
  });

  it('warns, with a location, about a secret written in clear text', async () => {
    const file = tmp.write('clear.yaml', 'secrets:\n  dm_password: { value: Secret123 }\nhosts:\n  a:\n');
    const inv = await loadInventory(file);
    expect(inv.secrets.dm_password).toEqual({ value: 'Secret123' });
    expect(inv.warnings).toEqual([
      `${file}:2:18: secret dm_password is written in the inventory in clear text; prefer { env: NAME } or { file: PATH }`,
    ]);
  });
});

describe('loadInventory: errors name file:line:col', () => {
  it('collects every problem in one InputErrors, in file order', async () => {
    const file = tmp.write(
      'bad.yaml',
      [
        'cluster: prod',
        'profile: 389dss',
        'ssh: { usr: root, port: x, connect_timeout: 10 sec, host_key_policy: yes-please }',
        'hosts:',
        '  ds1: { address: 10.0.0.1, roles: [ca, dnss] }',
        '  ds2: { address: 10.0.0.1, roles: [ca], adress: 3 }',
        '  ds3: { address: 10.0.0.3, roles: ca, vars: [1] }',
        'groups: { dc1: [ds1, ds4], ds2: [ds1], all: [ds1] }',
        'secrets: { pw: { env: A, file: b } }',
        'extra: 1',
        '',
      ].join('\n'),
    );
    const err = await loadInventory(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputErrors);
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:2:10: profile must be one of 389ds, ipa, keytrustee, ciphertrust, got "389dss"`,
      `${file}:3:8: unknown key "usr" in ssh (did you mean "user"?)`,
      `${file}:3:25: ssh.port must be a whole number from 1 to 65535, got a string ("x")`,
      `${file}:3:45: ssh.connect_timeout must be a duration such as 30s, 5m, 500ms or a number of milliseconds (from 100ms to 10m), got a string ("10 sec")`,
      `${file}:3:70: ssh.host_key_policy must be one of strict, accept-new, off, got "yes-please"`,
      `${file}:5:41: host ds1: unknown role "dnss" (did you mean "dns"?); known roles: ca, kra, dns, hidden, renewal (or x-<name> for your own)`,
      `${file}:6:19: host ds2: duplicate address 10.0.0.1 port 22, already used by host ds1`,
      `${file}:6:42: unknown key "adress" in host ds2 (did you mean "address"?)`,
      `${file}:7:46: host ds3: vars must be a map, got a list`,
      `${file}:8:22: group dc1 names unknown host "ds4" (did you mean "ds1"?)`,
      `${file}:8:28: group "ds2" has the same name as a host; selectors could not tell them apart`,
      `${file}:8:40: group name "all" is reserved`,
      `${file}:9:16: secret pw must have exactly one of env, file or value`,
      `${file}:10:1: unknown key "extra" in the inventory`,
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const file = tmp.write('syntax.yaml', 'hosts:\n  a: { address: 1.2.3.4\n  b: {}\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:3:3: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it('reports a duplicate key where the second one is, and an alias with no anchor', async () => {
    const file = tmp.write('dup.yaml', 'hosts:\n  a:\n  b: { vars: *common }\n  a:\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:3:14: YAML syntax: alias *common has no anchor &common before it`,
      `${file}:4:3: YAML syntax: duplicate key "a"`,
    ]);
  });

  it('follows anchors and aliases', async () => {
    const file = tmp.write('alias.yaml', 'hosts:\n  a: { vars: &common { instance: X } }\n  b: { vars: *common }\n');
    const inv = await loadInventory(file);
    expect(inv.hosts[1]!.vars).toEqual({ instance: 'X' });
  });

  it('reports a missing hosts map and an unreadable file', async () => {
    const file = tmp.write('nohosts.yaml', 'cluster: x\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([`${file}:1:1: the inventory has no "hosts" map`]);
    const missing = join(tmp.dir, 'nope.yaml');
    expect(await errorLines(() => loadInventory(missing))).toEqual([`${missing}: cannot read inventory file (no such file)`]);
  });

  it('reaches the inventory-wide jump host directly, and rejects jump loops', async () => {
    const ok = await loadInventory(tmp.write('bastion.yaml', 'ssh: { jump: gw }\nhosts:\n  gw:\n  a:\n'));
    expect(ok.hosts.map((h) => [h.name, h.ssh.jump])).toEqual([
      ['gw', undefined],
      ['a', 'gw'],
    ]);
    const file = tmp.write('loop.yaml', 'hosts:\n  a: { ssh: { jump: b } }\n  b: { ssh: { jump: a } }\n  c: { ssh: { jump: a } }\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:2:3: host a: ssh.jump goes round in a loop (a -> b -> a)`,
      `${file}:3:3: host b: ssh.jump goes round in a loop (b -> a -> b)`,
    ]);
  });

  it('rejects a host that jumps through itself and a bad port', async () => {
    const file = tmp.write('jump.yaml', 'hosts:\n  a: { ssh: { jump: a, port: 70000 } }\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:2:3: host a cannot jump through itself (ssh.jump)`,
      `${file}:2:30: host a: ssh.port must be a whole number from 1 to 65535, got a number (70000)`,
    ]);
  });

  it('checks host var replica_role (one role, or one per suffix) at load', async () => {
    const file = tmp.write('role.yaml', 'hosts:\n  a: { vars: { replica_role: consumer } }\n  b: { vars: { replica_role: { "dc=x": Supplier, "o=ipaca": consumr } } }\n  c: { vars: { replica_role: [consumer] } }\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:3:8: host b: replica_role (o=ipaca) must be supplier, consumer or hub, got "consumr" (did you mean "consumer"?)`,
      `${file}:4:8: host c: replica_role must be supplier, consumer or hub, got ["consumer"]`,
    ]);
  });

  it('refuses a suffix list YAML split at the DN commas, and a suffix that is no DN', async () => {
    // In a YAML flow list the commas inside an unquoted DN separate items: [dc=ops,dc=example, o=extra] is three.
    const file = tmp.write('split.yaml', 'vars: { suffixes: [dc=ops,dc=example] }\nhosts:\n  a: { vars: { suffixes: ["dc=ops,dc=example", extra], ca_suffix: "o=ipaca" } }\n  b: { vars: { suffixes: ["dc=ops,dc=example", "o=extra"] } }\n');
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:1:1: vars: suffixes: "dc=ops" and "dc=example" look like one DN split at its comma (in a YAML flow list [a, b] every comma separates items): quote each DN, e.g. "dc=ops,dc=example"`,
      `${file}:3:8: host a: suffixes: "extra" is not a DN (attr=value parts such as dc=example,dc=com)`,
    ]);
  });
});
