import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshPool, parseSshConfig, readSshConfig, sshConfigFor } from '../../../src/transport/index.ts';
import { startTestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

const CONFIG = `
# global options come first
Port 2200

Host db-* !db-test
  HostName %h.internal.example
  User dsadmin
  IdentityFile ~/.ssh/id_db

Host db-1
  User ignored-because-first-wins
  IdentityFile=/keys/second
  ProxyJump bastion,inner-hop

Match host db-2
  User from-match-block

Host "quoted" *
  IdentityFile /keys/fallback
  ProxyJump none
`;

describe('ssh config', () => {
  it('applies Host patterns with first-value-wins and accumulating IdentityFile', () => {
    const cfg = parseSshConfig(CONFIG);
    expect(sshConfigFor(cfg, 'db-1')).toEqual({
      hostName: 'db-1.internal.example',
      user: 'dsadmin',
      port: 2200,
      identityFiles: [join(homedir(), '.ssh/id_db'), '/keys/second', '/keys/fallback'],
      proxyJump: 'bastion,inner-hop',
    });
    // Negated pattern: db-test gets only the global and catch-all options; Match is skipped.
    expect(sshConfigFor(cfg, 'db-test')).toEqual({ port: 2200, identityFiles: ['/keys/fallback'] });
    expect(sshConfigFor(cfg, 'db-2').user).toBe('dsadmin');
    // `?` matches one character only.
    expect(sshConfigFor(parseSshConfig('Host ds?\n User one'), 'ds1').user).toBe('one');
    expect(sshConfigFor(parseSshConfig('Host ds?\n User one'), 'ds10').user).toBeUndefined();
  });

  it('treats a missing file as empty', () => {
    expect(readSshConfig('/nonexistent/ssh_config').blocks).toEqual([]);
  });

  it('is honoured by the pool where the inventory keeps its defaults', async () => {
    const server = await startTestSshServer();
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-sshcfg-'));
    try {
      const inv = inventoryFor([server], dir);
      const host = inv.hosts[0]!;
      // The inventory names only an alias; ssh config supplies address, port, user and key.
      host.name = 'alias1';
      host.address = 'alias1';
      host.ssh = { ...host.ssh, port: 22, user: 'root', identityFile: undefined };
      const cfgFile = join(dir, 'ssh_config');
      writeFileSync(cfgFile, `Host alias1\n  HostName 127.0.0.1\n  Port ${server.port}\n  User cfguser\n  IdentityFile ${server.clientKeyPath}\n`);
      const pool = new SshPool(inv, { sshConfigPath: cfgFile });
      try {
        expect((await (await pool.get('alias1')).exec('echo via-config')).stdout).toBe('via-config\n');
      } finally {
        await pool.closeAll();
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
