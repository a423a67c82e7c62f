/**
 * SIGTERM while a host is still connecting ends `lifeboat run` at once with exit 3 and an honest
 * journal, in a real process (before, signals were ignored until every connect gave up).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { startSlowProxy } from '../../helpers/slow-proxy.ts';
import { testInventoryYaml } from '../../helpers/test-inventory.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let servers: TestSshServer[];
let proxy: Awaited<ReturnType<typeof startSlowProxy>>;
let dir: string;

beforeAll(async () => {
  const clientKey = generateEd25519();
  servers = await Promise.all([startTestSshServer({ clientKey }), startTestSshServer({ clientKey })]);
  proxy = await startSlowProxy(servers[1]!.port, Infinity); // ds2 never answers
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-sigterm-'));
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM while connecting', () => {
  it('exits 3 long before the connect timeout, runs nothing, and the run is recorded as interrupted', async () => {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, servers.map((s) => s.hostPublicKeyLine()).join('\n') + '\n');
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, testInventoryYaml({ cluster: 'sigterm', servers, names: ['ds1', 'ds2'], knownHosts })
      .replace(`port: ${servers[1]!.port}`, `port: ${proxy.port}`)
      .replace('connect_timeout: 5s', 'connect_timeout: 120s'));
    const playbook = join(dir, 'pb.yaml');
    writeFileSync(playbook, 'name: t\nsteps:\n  - name: a\n    on: all\n    do: shell\n    with: { command: "echo sigterm-ran" }\n');
    const state = join(dir, 'state');
    const child = spawn(process.execPath, ['bin/lifeboat.js', 'run', playbook, '-i', inventory, '--yes', '--plain', '--state-dir', state], {
      cwd: root, env: { ...process.env, LIFEBOAT_LOCK_DIR: join(dir, 'locks') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // Once the run has started (it is now connecting), terminate it.
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (/ run \d{8}-\d{6}-\w{4} /.test(out)) {
          clearInterval(t);
          setTimeout(() => res(), 300);
        }
      }, 50);
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code, out).toBe(3);
    expect(out).toMatch(/interrupted while connecting \(still connecting: ds2\)/);
    for (const s of servers) expect(s.commands.filter((c) => c.command.includes('sigterm-ran'))).toEqual([]);
    const [runId] = readdirSync(join(state, 'runs'));
    expect(JSON.parse(readFileSync(join(state, 'runs', runId!, 'run.json'), 'utf8')).status).toBe('interrupted');
  }, 60_000);
});
