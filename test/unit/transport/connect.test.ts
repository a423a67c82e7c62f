import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshPool, cryptoBindingAvailable } from '../../../src/transport/index.ts';
import { connectWithRetries, retryDelayMs, type ConnectTarget } from '../../../src/transport/connect.ts';
import { startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

/** A TCP front that drops the first `drops` connections, like sshd under MaxStartups pressure. */
function droppingProxy(targetPort: number, drops: number): Promise<{ server: Server; port: number; seen: () => number }> {
  let count = 0;
  const server = createServer((sock) => {
    count++;
    if (count <= drops) return sock.destroy();
    const up = connect(targetPort, '127.0.0.1');
    sock.pipe(up).pipe(sock);
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, seen: () => count })),
  );
}

describe('retryDelayMs', () => {
  it('draws from the upper half of 100 ms x 2^n, so refused clients do not come back together', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, () => 1))).toEqual([100, 200, 400, 800]);
    const draws = new Set(Array.from({ length: 50 }, () => retryDelayMs(4)));
    expect(draws.size).toBeGreaterThan(10);
  });
});

describe('connectWithRetries', () => {
  const target: ConnectTarget = { name: 'ds9', host: '10.213.199.9', port: 22, user: 'root', knownHosts: '/dev/null', hostKeyPolicy: 'strict', connectTimeoutMs: 1000, keepaliveMs: 0, connectRetries: 3 };
  const failing = (code: string) => {
    let tries = 0;
    const makeSock = () => {
      tries++;
      return Promise.reject(Object.assign(new Error(`connect ${code} 10.213.199.9:22`), { code }));
    };
    return { makeSock, tries: () => tries };
  };

  it('does not ask again when no host answers at that address (EHOSTUNREACH, ENETUNREACH): the kernel already waited', async () => {
    // Seen on an 8-host lab: an inventory host that no longer exists cost 4 tries (~12.6 s) twice per run.
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
      const f = failing(code);
      await expect(connectWithRetries(target, f.makeSock, () => undefined)).rejects.toThrow(code);
      expect(f.tries()).toBe(1);
    }
  });

  it('asks again when the connection was refused (sshd restarting or dropping handshakes)', async () => {
    const f = failing('ECONNREFUSED');
    await expect(connectWithRetries({ ...target, connectRetries: 2 }, f.makeSock, () => undefined)).rejects.toThrow('ECONNREFUSED');
    expect(f.tries()).toBe(3);
  });
});

describe('connecting', () => {
  let server: TestSshServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-connect-'));
    server = await startTestSshServer();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries dropped handshakes with backoff', async () => {
    const proxy = await droppingProxy(server.port, 2);
    const inv = inventoryFor([server], dir, () => ({ port: proxy.port, connectRetries: 3 }));
    // known_hosts must name the port the client dials.
    writeFileSync(inv.hosts[0]!.ssh.knownHosts!, server.hostPublicKeyLine().replace(`:${server.port}`, `:${proxy.port}`) + '\n');
    const events: string[] = [];
    const pool = new SshPool(inv, { sshConfigPath: null, onEvent: (e) => events.push(e.message) });
    try {
      expect((await (await pool.get('h0')).exec('echo up')).stdout).toBe('up\n');
      expect(proxy.seen()).toBe(3);
      // Jittered: retry n waits within the upper half of 100 ms x 2^n.
      const waits = events.map((m) => /retrying in (\d+) ms/.exec(m)?.[1]).filter(Boolean).map(Number);
      expect(waits).toHaveLength(2);
      expect(waits[0]).toBeGreaterThanOrEqual(50);
      expect(waits[0]).toBeLessThanOrEqual(100);
      expect(waits[1]).toBeGreaterThanOrEqual(100);
      expect(waits[1]).toBeLessThanOrEqual(200);
    } finally {
      await pool.closeAll();
      proxy.server.close();
    }
  });

  it('keeps at most 10 handshakes in flight to one sshd (its MaxStartups), however many hosts share it', async () => {
    // 25 inventory hosts, one server: like a bastion-fronted farm, or the transport bench.
    const inv = inventoryFor(Array.from({ length: 25 }, () => server), dir);
    const pool = new SshPool(inv, { sshConfigPath: null });
    const before = server.handshakes.max;
    server.handshakes.max = 0;
    try {
      const codes = await Promise.all(inv.hosts.map(async (h) => (await (await pool.get(h.name)).exec('true')).code));
      expect(codes).toEqual(Array(25).fill(0));
      expect(server.handshakes.max).toBeGreaterThan(1);
      expect(server.handshakes.max).toBeLessThanOrEqual(10);
    } finally {
      server.handshakes.max = Math.max(before, server.handshakes.max);
      await pool.closeAll();
    }
  });

  it('gives up after the configured retries', async () => {
    const proxy = await droppingProxy(server.port, 100);
    const inv = inventoryFor([server], dir, () => ({ port: proxy.port, connectRetries: 1 }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      await expect(pool.get('h0')).rejects.toThrow();
      expect(proxy.seen()).toBe(2);
    } finally {
      await pool.closeAll();
      proxy.server.close();
    }
  });

  it('times out on a server that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const inv = inventoryFor([server], dir, () => ({ port, connectRetries: 0, connectTimeoutMs: 400 }));
    const pool = new SshPool(inv, { sshConfigPath: null });
    const started = Date.now();
    try {
      await expect(pool.get('h0')).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await pool.closeAll();
      silent.close();
    }
  });

  it('fails authentication without retrying', async () => {
    const locked = await startTestSshServer({ failAuth: true });
    const inv = inventoryFor([locked], dir, () => ({ connectRetries: 3 }));
    const events: string[] = [];
    const pool = new SshPool(inv, { sshConfigPath: null, onEvent: (e) => events.push(e.message) });
    try {
      await expect(pool.get('h0')).rejects.toThrow(/authentication/i);
      expect(events.filter((m) => m.includes('retrying'))).toEqual([]);
    } finally {
      await pool.closeAll();
      await locked.close();
    }
  });

  it('reconnects after the connection drops', async () => {
    const inv = inventoryFor([server], dir);
    const pool = new SshPool(inv, { sshConfigPath: null });
    try {
      const h = await pool.get('h0');
      await h.close();
      expect((await h.exec('echo back')).stdout).toBe('back\n');
    } finally {
      await pool.closeAll();
    }
  });

  it('reports whether the native crypto binding is available', () => {
    expect(typeof cryptoBindingAvailable()).toBe('boolean');
  });
});
