import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshPool } from '../../../src/transport/index.ts';
import { forgetSecretsForTests, mask } from '../../../src/util/secrets.ts';
import { startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

// Stands in for sudo: takes the password from the first stdin line (like `sudo -S`), records it
// in $HOME so the test can see it arrived, and runs the command.
const FAKE_SUDO = `#!/bin/sh
readpw=
while [ $# -gt 0 ]; do
  case "$1" in
    -S) readpw=1; shift ;;
    -p) shift 2 ;;
    -k|-n) shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ -n "$readpw" ]; then IFS= read -r pw; printf '%s' "$pw" > "$HOME/sudo-password-seen"; fi
echo became >> "$HOME/sudo-calls"
exec "$@"
`;

describe('ProxyJump', () => {
  let jump: TestSshServer;
  let inner: TestSshServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-jump-'));
    [jump, inner] = await Promise.all([startTestSshServer(), startTestSshServer()]);
  });
  afterAll(async () => {
    await Promise.all([jump?.close(), inner?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches a host through an inventory jump host', async () => {
    // Inventory-wide `jump: h0` also lands on h0 itself, which must then connect directly.
    const inv = inventoryFor([jump, inner], dir, () => ({ jump: 'h0' }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const h = await pool.get('h1');
      expect((await h.exec('echo inside')).stdout).toBe('inside\n');
      expect(jump.forwards).toEqual([expect.objectContaining({ host: '127.0.0.1', port: inner.port })]);
      expect(inner.commands.some((c) => c.command.includes('echo inside'))).toBe(true);
      expect(jump.commands).toEqual([]);
      expect((await (await pool.get('h0')).exec('echo jump-itself')).stdout).toBe('jump-itself\n');
    } finally {
      await pool.closeAll();
    }
  });

  it('reaches a host through a user@host:port jump that is not in the inventory', async () => {
    const inv = inventoryFor([inner], mkdtempSync(join(dir, 'spec-')), () => ({ jump: `tester@127.0.0.1:${jump.port}` }));
    // The jump host's key must be known as well.
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, `${inner.hostPublicKeyLine()}\n${jump.hostPublicKeyLine()}\n`);
    // One client key for both servers is what a real user has; reuse the inner key on a new jump server.
    const sharedJump = await startTestSshServer({ clientKey: { private: readFileSync(inner.clientKeyPath, 'utf8'), public: inner.clientPublicKey } });
    inv.hosts[0]!.ssh.jump = `tester@127.0.0.1:${sharedJump.port}`;
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, `${inner.hostPublicKeyLine()}\n${sharedJump.hostPublicKeyLine()}\n`);
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      expect((await (await pool.get('h0')).exec('echo via-spec')).stdout).toBe('via-spec\n');
      expect(sharedJump.forwards.length).toBe(1);
    } finally {
      await pool.closeAll();
      await sharedJump.close();
    }
  });

  it('fails cleanly when the jump host refuses forwarding', async () => {
    const closed = await startTestSshServer({ noForwarding: true });
    const inv = inventoryFor([closed, inner], mkdtempSync(join(dir, 'nofwd-')), (i) => (i === 1 ? { jump: 'h0' } : {}));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      await expect(pool.get('h1')).rejects.toThrow();
    } finally {
      await pool.closeAll();
      await closed.close();
    }
  });
});

describe('become', () => {
  let server: TestSshServer;
  let dir: string;
  const password = 'Sup3r-secret-become-pw';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-become-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sudo'), FAKE_SUDO, { mode: 0o755 });
    server = await startTestSshServer({ env: { PATH: `${bin}:${process.env.PATH}` } });
    process.env.LIFEBOAT_TEST_BECOME_PW = password;
  });
  afterAll(async () => {
    delete process.env.LIFEBOAT_TEST_BECOME_PW;
    forgetSecretsForTests();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the sudo password on stdin only, never in the command line', async () => {
    const inv = inventoryFor([server], dir, () => ({ become: true, becomePassword: { env: 'LIFEBOAT_TEST_BECOME_PW' } }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const h = await pool.get('h0');
      const r = await h.exec('cat; echo done', { stdin: 'payload\n' });
      expect(r.code).toBe(0);
      // The command's own stdin arrives intact after the password line was taken.
      expect(r.stdout).toBe('payload\ndone\n');
      expect(readFileSync(join(server.dir, 'sudo-password-seen'), 'utf8')).toBe(password);
      expect(server.commands.length).toBeGreaterThan(0);
      for (const c of server.commands) expect(c.command).not.toContain(password);
      expect(server.commands.at(-1)!.command).toContain('sudo -k -S -p');
      // Resolved through resolveSecret, so it is masked everywhere output goes.
      expect(mask(`pw=${password}`)).toBe('pw=***');
    } finally {
      await pool.closeAll();
    }
  });

  it('uploads under become by staging in the login home and moving it into place through sudo', async () => {
    const inv = inventoryFor([server], mkdtempSync(join(dir, 'put-')), () => ({ become: true, becomePassword: { env: 'LIFEBOAT_TEST_BECOME_PW' } }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const h = await pool.get('h0');
      const target = join(dir, 'placed.conf');
      await h.put(Readable.from([Buffer.from('key=value\n')]), target, { mode: 0o640 });
      expect(readFileSync(target, 'utf8')).toBe('key=value\n');
      expect(statSync(target).mode & 0o777).toBe(0o640);
      expect(readdirSync(server.dir).filter((f) => f.includes('lifeboat-upload'))).toEqual([]);
      for (const c of server.commands) expect(c.command).not.toContain(password);

      // And back: staged through sudo into /tmp, downloaded, verified, the staged copy removed.
      const back = join(dir, 'fetched.conf');
      const got = await h.get(target, back);
      expect(readFileSync(back, 'utf8')).toBe('key=value\n');
      expect(got.bytes).toBe(10);
      // The `rm -f` of the staged copy names the real file (not the mktemp template).
      const staged = server.commands.map((c) => /rm -f (\/tmp\/lifeboat-get\.\w+)/.exec(c.command)?.[1]).find(Boolean);
      expect(staged).not.toMatch(/XXXXXX/);
      expect(staged).toBeDefined();
      expect(existsSync(staged!)).toBe(false);
    } finally {
      await pool.closeAll();
    }
  });

  it('uses sudo -n when there is no password, and kills through sudo on timeout', async () => {
    const inv = inventoryFor([server], mkdtempSync(join(dir, 'nopw-')), () => ({ become: true }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const h = await pool.get('h0');
      const r = await h.exec('sleep 30', { timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      const cmds = server.commands.slice(-2).map((c) => c.command);
      expect(cmds[0]).toContain('sudo -n --');
      expect(cmds[1]).toMatch(/^sudo -n -- sh -c .*kill -TERM -\d+/);
    } finally {
      await pool.closeAll();
    }
  });
});
