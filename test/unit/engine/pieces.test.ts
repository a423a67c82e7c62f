/** The engine's small parts on their own: run ids, journal replay, argument coercion, topology graphs, lock files. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyArgSpec } from '../../../src/engine/args.ts';
import { Journal, readJournal } from '../../../src/engine/journal.ts';
import { acquireLock, defaultLockDir, lockFileFor, type HeldLock } from '../../../src/engine/lock.ts';
import { LockHeldError } from '../../../src/util/errors.ts';
import { rebuildFromJournal } from '../../../src/engine/rebuild.ts';
import { isRunId, newRunId } from '../../../src/engine/run-id.ts';
import { asGraph, stepUnits } from '../../../src/engine/units.ts';
import { newRunState } from '../../../src/engine/vars.ts';
import type { Step } from '../../../src/playbook/types.ts';
import { SecretCache } from '../../../src/engine/context.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { shellAction } from '../../../src/actions/builtin/shell.ts';
import { getAction, allActions } from '../../../src/actions/registry.ts';
import { loadProfiles } from '../../../src/profiles/registry.ts';
import { registerSecret } from '../../../src/util/secrets.ts';

// The registry's lookups need the profiles' code loaded (the run loader does this for a run).
beforeAll(loadProfiles);

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-engine-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run ids', () => {
  it('are YYYYMMDD-HHMMSS-xxxx in UTC and sort by start time', () => {
    const a = newRunId(new Date('2026-11-22T04:05:06Z'));
    expect(a).toMatch(/^20261122-040506-[0-9a-f]{4}$/);
    expect(isRunId(a)).toBe(true);
    expect(newRunId(new Date('2026-11-22T04:05:07Z')) > a).toBe(true);
  });
});

describe('journal replay', () => {
  it('a unit is done after ok/changed/skipped, not after a later undo; registered outputs and facts come back', () => {
    const t = 'x';
    const r = rebuildFromJournal([
      { type: 'host.done', time: t, step: 0, host: 'a', status: 'changed', changed: true, register: 'r', output: { v: 1 }, facts: { topology: { a: ['b'] } }, undo: { do: 'shell', with: { command: 'u' } } },
      { type: 'host.done', time: t, step: 0, host: 'b', status: 'changed', changed: true, undo: { do: 'shell', with: { command: 'u' } } },
      { type: 'host.done', time: t, step: 1, host: 'a', status: 'failed' },
      { type: 'host.done', time: t, step: 1, host: 'b', status: 'skipped' },
      { type: 'undo.done', time: t, step: 0, host: 'b', status: 'ok' },
      { type: 'host.done', time: t, step: 0, host: 'b', status: 'skipped', previous: true },
    ]);
    expect([...r.completed].sort()).toEqual(['0:a', '1:b']);
    expect(r.registered).toEqual({ r: { a: { v: 1 } } });
    expect(r.facts).toEqual({ topology: { a: ['b'] } });
    expect(r.undo.map((u) => `${u.step}:${u.host}`)).toEqual(['0:a']);
  });

  it('an undo barrier drops the undo of every step before it, but not of steps after it', () => {
    const t = 'x';
    const u = { do: 'shell', with: { command: 'u' } };
    const r = rebuildFromJournal([
      { type: 'host.done', time: t, step: 0, host: 'a', status: 'changed', changed: true, undo: u },
      { type: 'undo.barrier', time: t, step: 1 },
      { type: 'host.done', time: t, step: 1, host: 'a', status: 'changed', changed: true },
      { type: 'host.done', time: t, step: 2, host: 'b', status: 'changed', changed: true, undo: u },
    ]);
    expect(r.undo.map((e) => `${e.step}:${e.host}`)).toEqual(['2:b']);
  });

  it('writes masked lines and skips a torn last line when read back', async () => {
    registerSecret('pieces-secret-123');
    const runDir = join(dir, 'run1');
    const j = await Journal.open(runDir);
    await j.append({ type: 'host.done', time: 't', note: 'has pieces-secret-123 inside' });
    await j.close();
    writeFileSync(join(runDir, 'journal.jsonl'), readFileSync(join(runDir, 'journal.jsonl'), 'utf8') + '{"type":"host.do');
    const lines = await readJournal(runDir);
    expect(lines).toEqual([{ type: 'host.done', time: 't', note: 'has *** inside' }]);
  });
});

describe('arguments', () => {
  it('fills defaults, coerces rendered strings and names a missing required argument', () => {
    expect(applyArgSpec(shellAction, { command: 'true', changed: 'false' })).toMatchObject({ command: 'true', changed: false, expect: [0], readonly: false });
    expect(() => applyArgSpec(shellAction, {})).toThrow(/shell: argument "command" is required/);
    expect(() => applyArgSpec(shellAction, { command: 'x', readonly: 'maybe' })).toThrow(/readonly.*true or false/);
  });

  it('the registry holds the builtins and the 389ds actions', () => {
    for (const n of ['shell', 'file.push', 'file.fetch', 'wait', 'assert']) expect(getAction(n)?.name).toBe(n);
    expect(allActions().size).toBeGreaterThan(5);
  });
});

describe('topology graphs', () => {
  it('accepts a map, { graph }, or one map per suffix (union)', () => {
    expect(asGraph({ a: ['b'], b: [] })).toEqual({ a: ['b'], b: [] });
    expect(asGraph({ graph: { a: ['b'] } })).toEqual({ a: ['b'] });
    expect(asGraph({ 'dc=x': { a: ['b'] }, 'o=ipaca': { a: ['c'], c: [] } })).toEqual({ a: ['b', 'c'], c: [] });
    expect(asGraph('nope')).toBeUndefined();
  });

  it('a fenced host no agreement touches (decommissioned, still listed) gets a unit outside the waves, not a failure', () => {
    // Seen on an 8-host lab: data-loss with -e fence=true -e stopped=ds9 (ds9 long gone) restored
    // the master, then failed at the re-inits: "ds9 cannot be reached from ds8 through replication agreements".
    const host = (name: string) => ({ name, address: name, roles: [], groups: [], vars: {}, ssh: {} as Inventory['hosts'][number]['ssh'] });
    const hosts = ['ds1', 'ds2', 'ds9'].map(host);
    const inv: Inventory = { file: 'x.yaml', cluster: 'c', profile: '389ds', vars: {}, hosts, groups: {}, secrets: {} };
    const state = newRunState(inv, {}, {});
    state.facts.topology = { ds8: ['ds1'], ds1: ['ds8', 'ds2'], ds2: ['ds1'] };
    const step = { index: 7, name: 'reinit', on: 'all', do: 'replication.reinit', with: {}, order: 'topology', from: 'ds8', retries: 0, delayMs: 0 } as unknown as Step;
    expect(() => stepUnits(step, state, hosts)).toThrow('ds9 cannot be reached from ds8');
    state.facts.fenced = ['ds9'];
    const { units } = stepUnits(step, state, hosts);
    expect(units.map((u) => [u.host.name, u.parent, u.waitFor])).toEqual([['ds9', null, null], ['ds1', 'ds8', null], ['ds2', 'ds1', 'ds1']]);
  });
});

describe('lock files', () => {
  it('an unreadable lock is taken over with a warning; release removes only our own lock', async () => {
    const lockDir = join(dir, 'locks');
    const inv = join(dir, 'inv.yaml');
    const file = lockFileFor(inv, lockDir);
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(file, '{"pid":');
    const warnings: string[] = [];
    const lock = await acquireLock(lockDir, inv, '20261122-000000-aaaa', (m) => warnings.push(m));
    expect(warnings[0]).toMatch(/unreadable/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, runId: '20261122-000000-aaaa' });
    await expect(acquireLock(lockDir, inv, '20261122-000000-bbbb', () => undefined)).rejects.toThrow(/20261122-000000-aaaa/);
    await lock.release();
    const again = await acquireLock(lockDir, inv, '20261122-000000-cccc', () => undefined);
    await again.release();
  });

  it('is keyed by the inventory\'s real path in a per-user directory, whatever the working or state directory', () => {
    const inv = join(dir, 'inv.yaml');
    writeFileSync(inv, 'hosts: { a: }\n');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    symlinkSync(inv, join(dir, 'sub', 'link.yaml'));
    const cwd = process.cwd();
    try {
      process.chdir(join(dir, 'sub'));
      expect(lockFileFor('../inv.yaml', '/L')).toBe(lockFileFor(inv, '/L'));
      expect(lockFileFor('link.yaml', '/L')).toBe(lockFileFor(inv, '/L'));
    } finally {
      process.chdir(cwd);
    }
    expect(defaultLockDir({ HOME: '/home/u', XDG_STATE_HOME: '/home/u/.st' })).toBe('/home/u/.st/lifeboat/locks');
    expect(defaultLockDir({ LIFEBOAT_LOCK_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(defaultLockDir({})).toMatch(/\.local\/state\/lifeboat\/locks$/);
  });

  it('a stale lock found by many takers at once has exactly one winner', async () => {
    const lockDir = join(dir, 'locks-race');
    const inv = join(dir, 'inv-race.yaml');
    mkdirSync(lockDir, { recursive: true });
    for (let round = 0; round < 5; round++) {
      const dead = spawnSync('true').pid;
      writeFileSync(lockFileFor(inv, lockDir), JSON.stringify({ pid: dead, hostname: hostname(), runId: 'dead', started: 'x', inventory: inv }));
      const takers = Array.from({ length: 12 }, (_, i) => acquireLock(lockDir, inv, `run-${round}-${i}`, () => undefined));
      const results = await Promise.allSettled(takers);
      const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<HeldLock>[];
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
      expect(JSON.parse(readFileSync(lockFileFor(inv, lockDir), 'utf8')).runId).toBe(won[0]!.value.info.runId);
      await won[0]!.value.release();
    }
  });

  it('a stale lock found by several processes at once has exactly one winner', async () => {
    const lockDir = join(dir, 'locks-procs');
    const inv = join(dir, 'inv-procs.yaml');
    mkdirSync(lockDir, { recursive: true });
    const dead = spawnSync('true').pid;
    writeFileSync(lockFileFor(inv, lockDir), JSON.stringify({ pid: dead, hostname: hostname(), runId: 'dead', started: 'x', inventory: inv }));
    // Each process takes the lock, holds it for a second, and reports: won or held.
    const script = `import { acquireLock } from ${JSON.stringify(join(process.cwd(), 'src/engine/lock.ts'))};
const lock = await acquireLock(${JSON.stringify(lockDir)}, ${JSON.stringify(inv)}, 'proc-' + process.pid, () => undefined).catch((e) => e);
console.log(lock.name === 'LockHeldError' ? 'held' : 'won');
if (lock.release) { await new Promise((r) => setTimeout(r, 1000)); await lock.release(); }`;
    const file = join(dir, 'taker.mts');
    writeFileSync(file, script);
    const tsx = join(process.cwd(), 'node_modules/tsx/dist/cli.mjs');
    const runs = Array.from({ length: 4 }, () => new Promise<string>((res) => {
      const child = spawn(process.execPath, [tsx, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', () => res(out.trim()));
    }));
    const outs = await Promise.all(runs);
    expect(outs.filter((o) => o === 'won')).toHaveLength(1);
    expect(outs.filter((o) => o === 'held')).toHaveLength(3);
  }, 60_000);
});

describe('secret cache', () => {
  it('after loading, gives only the secrets a step declared (resolved before connecting)', async () => {
    process.env.LB_PIECES_DM = 'pieces-dm-password';
    const inv = { secrets: { dm_password: { env: 'LB_PIECES_DM' }, other: { env: 'LB_PIECES_OTHER' } } } as unknown as Inventory;
    const cache = new SecretCache(inv);
    cache.declare('dm_password');
    expect(await cache.get('dm_password')).toBe('pieces-dm-password');
    cache.seal();
    expect(await cache.get('dm_password')).toBe('pieces-dm-password');
    await expect(cache.get('other')).rejects.toThrow(/secret "other" is not declared by the step's action/);
    delete process.env.LB_PIECES_DM;
  });
});

