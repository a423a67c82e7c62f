import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.ts';
import { errorLines, tempDir } from './temp-files.ts';

const tmp = tempDir();

const ANSIBLE = `all:
  vars:
    ansible_user: deploy
    ansible_ssh_private_key_file: keys/id_ed25519
    lifeboat_cluster: idm-prod
    lifeboat_profile: ipa
    lifeboat_secrets:
      dm_password: { env: DM_PASSWORD }
    instance: EXAMPLE-COM
    tier: all
  hosts:
    lonely:
      ansible_host: 10.0.0.9
  children:
    dc1:
      vars:
        tier: dc1
        ansible_port: 2222
      hosts:
        ipa1:
          ansible_host: 10.0.1.1
          replica_id: 1
          tier: host
        ipa2:
          ansible_host: 10.0.1.2
          ansible_become: "yes"
      children:
        ca:
          hosts:
            ipa1:
    dc2:
      hosts:
        ipa3:
          ansible_ssh_host: 10.0.2.3
          ansible_ssh_user: admin
          lifeboat_roles: [kra, x-witness]
    dns:
      hosts:
        ipa2:
        ipa3:
`;

describe('loadInventory: Ansible YAML inventory', () => {
  it('maps ansible_* connection vars onto SSH settings and keeps the rest as vars', async () => {
    const file = tmp.write('hosts.yml', ANSIBLE);
    const inv = await loadInventory(file);
    expect(inv.cluster).toBe('idm-prod');
    expect(inv.profile).toBe('ipa');
    expect(inv.secrets).toEqual({ dm_password: { env: 'DM_PASSWORD' } });
    expect(inv.vars).toEqual({ instance: 'EXAMPLE-COM', tier: 'all' });
    expect(inv.hosts.map((h) => [h.name, h.address, h.ssh.user, h.ssh.port, h.ssh.become])).toEqual([
      ['lonely', '10.0.0.9', 'deploy', 22, false],
      ['ipa1', '10.0.1.1', 'deploy', 2222, false],
      ['ipa2', '10.0.1.2', 'deploy', 2222, true],
      ['ipa3', '10.0.2.3', 'admin', 22, false],
    ]);
    expect(inv.hosts[1]!.ssh.identityFile).toBe(join(tmp.dir, 'keys/id_ed25519'));
  });

  it('gives host vars precedence over child groups, and child groups over parents', async () => {
    const inv = await loadInventory(tmp.write('prec.yml', ANSIBLE));
    const vars = Object.fromEntries(inv.hosts.map((h) => [h.name, h.vars]));
    expect(vars.ipa1).toEqual({ tier: 'host', replica_id: 1 });
    expect(vars.ipa2).toEqual({ tier: 'dc1' });
    // Group-level vars are per host; `all` vars stay inventory-wide.
    expect(vars.lonely).toEqual({});
  });

  it('takes roles from role-named groups and lifeboat_roles; nested children count as members', async () => {
    const inv = await loadInventory(tmp.write('roles.yml', ANSIBLE));
    expect(Object.fromEntries(inv.hosts.map((h) => [h.name, h.roles]))).toEqual({
      lonely: [],
      ipa1: ['ca'],
      ipa2: ['dns'],
      ipa3: ['dns', 'kra', 'x-witness'],
    });
    expect(inv.groups).toEqual({ dc1: ['ipa1', 'ipa2'], ca: ['ipa1'], dc2: ['ipa3'], dns: ['ipa2', 'ipa3'] });
    expect(selectHosts(inv, 'dc1').map((h) => h.name)).toEqual(['ipa1', 'ipa2']);
    expect(selectHosts(inv, 'role:kra').map((h) => h.name)).toEqual(['ipa3']);
  });

  it('accepts top-level groups without `all:`', async () => {
    const inv = await loadInventory(tmp.write('flat.yml', 'dc1:\n  hosts:\n    a:\n    b:\ndc2:\n  hosts:\n    c: { ansible_host: 10.1.1.1 }\n'));
    expect(inv.hosts.map((h) => h.name)).toEqual(['a', 'b', 'c']);
    expect(inv.groups).toEqual({ dc1: ['a', 'b'], dc2: ['c'] });
  });

  it('reports mistakes with file:line:col', async () => {
    const file = tmp.write(
      'bad.yml',
      ['all:', '  children:', '    dc1:', '      host:', '        a:', '      hosts:', '        b: { ansible_port: http, lifeboat_roles: [cert] }', ''].join('\n'),
    );
    expect(await errorLines(() => loadInventory(file))).toEqual([
      `${file}:4:7: unknown key "host" in group dc1 (did you mean "hosts"?)`,
      `${file}:7:28: host b: ansible_port must be a port number (1-65535), got "http"`,
      `${file}:7:51: host b: unknown role "cert"; known roles: ca, kra, dns, hidden, renewal (or x-<name> for your own)`,
    ]);
  });
});
