import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SshPool } from '../../../src/transport/index.ts';
import { startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

function running(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

describe('exec over a pooled connection', () => {
  let servers: TestSshServer[];
  let dir: string;
  let pool: SshPool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-exec-'));
    servers = await Promise.all([startTestSshServer(), startTestSshServer()]);
    pool = new SshPool(inventoryFor(servers, dir), { sshConfigPath: null });
  });
  afterAll(async () => {
    await pool?.closeAll();
    await Promise.all((servers ?? []).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns stdout, stderr and the exit code, with stdout free of the wrapper', async () => {
    const h = await pool.get('h0');
    const r = await h.exec('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    const ok = await h.exec("printf '%s' \"it's $((6*7))\"");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("it's 42");
  });

  it('reaches the right host and reuses one connection', async () => {
    const [a, b] = await Promise.all([pool.get('h0'), pool.get('h1')]);
    const marker = randomBytes(4).toString('hex');
    await a.exec(`echo a-${marker}`);
    await b.exec(`echo b-${marker}`);
    expect(servers[0]!.commands.some((c) => c.command.includes(`a-${marker}`))).toBe(true);
    expect(servers[0]!.commands.some((c) => c.command.includes(`b-${marker}`))).toBe(false);
    expect(servers[1]!.commands.some((c) => c.command.includes(`b-${marker}`))).toBe(true);
    expect(await pool.get('h0')).toBeDefined();
  });

  it('delivers stdin from a string and from a stream', async () => {
    const h = await pool.get('h0');
    expect((await h.exec('tr a-z A-Z', { stdin: 'hello\n' })).stdout).toBe('HELLO\n');
    const r = await h.exec('wc -c', { stdin: Readable.from([Buffer.alloc(100000, 1), Buffer.alloc(5, 2)]) });
    expect(r.stdout.trim()).toBe('100005');
  });

  it('streams output as it arrives', async () => {
    const h = await pool.get('h1');
    const chunks: string[] = [];
    const r = await h.exec('for i in 1 2 3; do echo line$i; done', { onStdout: (c) => chunks.push(c.toString()) });
    expect(chunks.join('')).toBe('line1\nline2\nline3\n');
    expect(r.stdout).toBe('line1\nline2\nline3\n');
  });

  it('runs more commands at once than the channel cap, never more than 8 at a time', async () => {
    const h = await pool.get('h1');
    // Each command counts the lock dirs present while it runs: the most it sees is the concurrency.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h.exec(`mkdir running.${i}; ls -d running.* | wc -l; sleep 0.5; rmdir running.${i}; echo ${i}`)),
    );
    expect(results.map((r) => r.code)).toEqual(Array(12).fill(0));
    expect(results.map((r) => r.stdout.trim().split('\n')[1])).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    const seen = results.map((r) => Number(r.stdout.trim().split('\n')[0]));
    expect(Math.max(...seen)).toBeLessThanOrEqual(8);
    expect(Math.max(...seen)).toBeGreaterThan(1);
  });

  it('passes awkward commands through the wrapper unchanged', async () => {
    const h = await pool.get('h0');
    const cmd = `set -- a b; printf '%s|' "$#" "$1" 'single '"'"'q' "dq \\"x\\"" '$HOME'
printf 'line2\n'`;
    const r = await h.exec(cmd);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`2|a|single 'q|dq "x"|$HOME|line2\n`);
    expect((await h.exec('echo "$#"')).stdout).toBe('0\n');
    const missing = await h.exec('no-such-command-lifeboat');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/not found/);
    expect(missing.stderr).not.toContain('@@lifeboat');
  });

  it('stops a hanging command at its timeout and the remote process is gone', async () => {
    const h = await pool.get('h0');
    const marker = `${300 + Math.floor(Math.random() * 500)}.${randomBytes(2).readUInt16BE(0)}`;
    const started = Date.now();
    const r = await h.exec(`echo started; sleep ${marker}; echo never`, { timeoutMs: 700 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5000);
    // Give the kill a moment to land, then nothing of the command may be left.
    for (let i = 0; i < 30 && running(`sleep ${marker}`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(running(`sleep ${marker}`)).toBe('');
  });

  it('stops a command when its signal aborts, even one that ignores TERM', async () => {
    const h = await pool.get('h1');
    const marker = `${300 + Math.floor(Math.random() * 500)}.${randomBytes(2).readUInt16BE(0)}`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await h.exec(`trap '' TERM; sleep ${marker}`, { signal: ac.signal });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBeNull();
    for (let i = 0; i < 40 && running(`sleep ${marker}`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(running(`sleep ${marker}`)).toBe('');
  });
});
