import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { identityFileProblems } from '../../../src/inventory/identity-files.ts';
import { tempDir } from './temp-files.ts';

const tmp = tempDir();

describe('identity files, checked before anything connects', () => {
  it('points at the line that set the key the host uses: its own ssh map before the inventory-wide one', async () => {
    tmp.write('good.key', 'not a real key\n', 0o600);
    const file = tmp.write('inv.yaml', [
      'ssh:',
      '  identity_file: good.key',
      'hosts:',
      '  ds1: {}',
      '  ds2:',
      '    ssh: { identity_file: ./missing.key }',
      '',
    ].join('\n'));
    const problems = (await identityFileProblems(await loadInventory(file))).map((e) => e.message);
    expect(problems).toEqual([
      `${file}:6:27: ssh.identity_file ${tmp.dir}/missing.key (host ds2): cannot read the private key (no such file): fix the path (a relative one starts from the inventory's folder, \`~\` is your home)`,
    ]);
  });

  it('refuses a key others can read, once for every host using it, at the Ansible variable', async () => {
    tmp.write('open.key', 'not a real key\n', 0o644);
    const file = tmp.write('ansible.yaml', [
      'all:',
      '  vars:',
      '    ansible_ssh_private_key_file: open.key',
      '  hosts:',
      '    ipa1: {}',
      '    ipa2: {}',
      '',
    ].join('\n'));
    const problems = (await identityFileProblems(await loadInventory(file))).map((e) => e.message);
    expect(problems).toEqual([
      `${file}:3:35: ssh.identity_file ${tmp.dir}/open.key (hosts ipa1, ipa2): the private key can be read by others (mode 0644); OpenSSH refuses such a key and so does Lifeboat: run chmod 600 ${tmp.dir}/open.key`,
    ]);
  });

  it('checks only the hosts a run reaches (--limit) and the hosts they jump through', async () => {
    tmp.write('ok.key', 'not a real key\n', 0o600);
    const file = tmp.write('jump.yaml', [
      'hosts:',
      '  bastion: { ssh: { identity_file: gone.key } }',
      '  ds1: { ssh: { identity_file: ok.key, jump: bastion } }',
      '  ds2: { ssh: { identity_file: ok.key } }',
      '',
    ].join('\n'));
    const inv = await loadInventory(file);
    expect(await identityFileProblems(inv, ['ds2'])).toEqual([]);
    expect((await identityFileProblems(inv, ['ds1'])).map((e) => e.message)).toEqual([
      expect.stringContaining('gone.key (host bastion): cannot read the private key (no such file)'),
    ]);
  });
});
