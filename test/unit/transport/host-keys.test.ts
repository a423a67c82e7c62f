import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostKeyError, SshPool, checkHostKey, fingerprint, hashedKnownHostsLine } from '../../../src/transport/index.ts';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

const blobOf = (publicLine: string) => Buffer.from(publicLine.split(' ')[1]!, 'base64');

describe('host key verification', () => {
  let dir: string;
  let server: TestSshServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-hostkeys-'));
    server = await startTestSshServer();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aborts on a changed host key before any command runs, naming host, fingerprint and file:line', async () => {
    const rebuilt = await startTestSshServer({ hostKey: generateEd25519().private });
    const inv = inventoryFor([rebuilt], dir);
    // The file trusts an older key for this address and port.
    const old = generateEd25519().public;
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, `# comment\n[127.0.0.1]:${rebuilt.port} ${old}\n`);
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const err = await pool.get('h0').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HostKeyError);
      const e = err as HostKeyError;
      expect(e.host).toBe('h0');
      expect(e.fingerprint).toBe(fingerprint(blobOf(rebuilt.hostPublicKey)));
      expect(e.expected).toBe(`${inv.hosts[0]!.ssh.knownHosts}:2`);
      expect(e.message).toMatch(/CHANGED/);
      expect(rebuilt.commands).toEqual([]);
    } finally {
      await pool.closeAll();
      await rebuilt.close();
    }
  });

  it('writes known_hosts lines that OpenSSH finds', () => {
    const kh = join(dir, 'kh-openssh');
    writeFileSync(kh, `${server.hostPublicKeyLine()}\n${hashedKnownHostsLine('db.example', 2222, server.hostPublicKey)}\n`);
    const plain = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${server.port}`, '-f', kh], { encoding: 'utf8' });
    expect(plain).toContain(server.hostPublicKey.split(' ')[1]);
    const hashed = execFileSync('ssh-keygen', ['-F', '[db.example]:2222', '-f', kh], { encoding: 'utf8' });
    expect(hashed).toContain(server.hostPublicKey.split(' ')[1]);
  });

  it('prints fingerprints exactly like ssh-keygen -l', () => {
    const pub = join(dir, 'k.pub');
    writeFileSync(pub, server.hostPublicKey + '\n');
    const out = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprint(blobOf(server.hostPublicKey)));
  });

  it('rejects an unknown host under strict and names it', async () => {
    const inv = inventoryFor([server], join(dir));
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, '');
    const pool = new SshPool(inv, { sshConfigPath: null });
    const before = server.commands.length;
    await expect(pool.get('h0')).rejects.toThrow(/not known/);
    expect(server.commands.length).toBe(before);
    await pool.closeAll();
  });

  it('accept-new writes the new key, then trusts it under strict', async () => {
    const sub = mkdtempSync(join(dir, 'acc-'));
    const inv = inventoryFor([server], sub, () => ({ hostKeyPolicy: 'accept-new' }));
    const kh = inv.hosts[0]!.ssh.knownHosts!;
    rmSync(kh);
    const events: string[] = [];
    const pool = new SshPool(inv, { sshConfigPath: null, onEvent: (e) => events.push(e.message) });
    expect((await (await pool.get('h0')).exec('echo ok')).stdout).toBe('ok\n');
    await pool.closeAll();
    expect(readFileSync(kh, 'utf8')).toBe(server.hostPublicKeyLine() + '\n');
    expect(events.join('\n')).toMatch(/accepted new host key SHA256:/);
    const strict = new SshPool(inv, { sshConfigPath: null, hostKeyPolicy: 'strict' });
    expect((await (await strict.get('h0')).exec('echo again')).stdout).toBe('again\n');
    await strict.closeAll();
  });

  it('accept-new still refuses a changed key', async () => {
    const inv = inventoryFor([server], mkdtempSync(join(dir, 'acc2-')), () => ({ hostKeyPolicy: 'accept-new' }));
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, `[127.0.0.1]:${server.port} ${generateEd25519().public}\n`);
    const pool = new SshPool(inv, { sshConfigPath: null });
    await expect(pool.get('h0')).rejects.toBeInstanceOf(HostKeyError);
    await pool.closeAll();
  });

  it('trusts a hashed |1| entry written like ssh-keygen -H', async () => {
    const inv = inventoryFor([server], mkdtempSync(join(dir, 'hashed-')));
    const kh = inv.hosts[0]!.ssh.knownHosts!;
    writeFileSync(kh, `otherhost ${generateEd25519().public}\n${server.hostPublicKeyLine()}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).not.toContain('127.0.0.1');
    const pool = new SshPool(inv, { sshConfigPath: null });
    expect((await (await pool.get('h0')).exec('echo hashed')).stdout).toBe('hashed\n');
    await pool.closeAll();
  });

  it('reads comma lists, wildcards, negation, port forms, @revoked and several key types', () => {
    const kh = join(dir, 'kh-parse');
    const key = blobOf(server.hostPublicKey);
    const other = generateEd25519().public;
    writeFileSync(
      kh,
      [
        `db1,10.0.0.5 ${server.hostPublicKey}`,
        `10.0.1.* ,!10.0.1.9 ${server.hostPublicKey}`.replace(' ,', ','),
        `[db2]:2222 ${server.hostPublicKey}`,
        `db2 ${other}`,
        `db3 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=`,
        `db3 ${server.hostPublicKey}`,
        `@revoked * ${other}`,
        hashedKnownHostsLine('hashed.example', 22, server.hostPublicKey),
      ].join('\n'),
    );
    expect(checkHostKey(kh, 'db1', 22, key)).toEqual({ status: 'ok', where: `${kh}:1` });
    expect(checkHostKey(kh, '10.0.0.5', 22, key).status).toBe('ok');
    expect(checkHostKey(kh, '10.0.1.7', 22, key).status).toBe('ok');
    expect(checkHostKey(kh, '10.0.1.9', 22, key).status).toBe('unknown');
    expect(checkHostKey(kh, 'db2', 2222, key).status).toBe('ok');
    expect(checkHostKey(kh, 'db2', 22, key)).toEqual({ status: 'changed', where: `${kh}:4` });
    expect(checkHostKey(kh, 'db3', 22, key).status).toBe('ok');
    expect(checkHostKey(kh, 'db2', 22, blobOf(other))).toEqual({ status: 'revoked', where: `${kh}:7` });
    expect(checkHostKey(kh, 'hashed.example', 22, key).status).toBe('ok');
    expect(checkHostKey(kh, 'nobody', 22, key).status).toBe('unknown');
    expect(checkHostKey(join(dir, 'missing'), 'db1', 22, key).status).toBe('unknown');
  });

  it('connects with host key checking off', async () => {
    const inv = inventoryFor([server], mkdtempSync(join(dir, 'off-')), () => ({ hostKeyPolicy: 'off' }));
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, '');
    const pool = new SshPool(inv, { sshConfigPath: null });
    expect((await (await pool.get('h0')).exec('echo off')).stdout).toBe('off\n');
    await pool.closeAll();
  });
});
