/**
 * What every profile's `lab up` shares (src/lab/build.ts): the phases it times, the phase a failure
 * is reported under, and the undo it asks for. The undo itself (labDown on real namespaces) is
 * proven by the e2e lab tests; here it is recorded, so no /etc/hosts or namespace is touched.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const downs = vi.hoisted(() => [] as unknown[][]);
vi.mock('../../../src/lab/down.ts', () => ({
  labDown: async (...args: unknown[]) => {
    downs.push(args);
    return true;
  },
}));

const root = mkdtempSync(join(tmpdir(), 'lifeboat-build-'));
const saved = process.env.LIFEBOAT_LAB_ROOT;
let build: typeof import('../../../src/lab/build.ts');

beforeAll(async () => {
  // The lab root is read when names.ts loads: set it first.
  process.env.LIFEBOAT_LAB_ROOT = root;
  build = await import('../../../src/lab/build.ts');
});
afterAll(() => {
  if (saved === undefined) delete process.env.LIFEBOAT_LAB_ROOT;
  else process.env.LIFEBOAT_LAB_ROOT = saved;
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  downs.length = 0;
});

const out = join(root, 'inv', 'lab.yaml');

describe('buildLab', () => {
  it('times each phase, starts the log and returns what the phases return', async () => {
    const phases: string[] = [];
    const r = await build.buildLab({ name: 'bt1', out, logTitle: 'lab up bt1', onPhase: (p, ms) => phases.push(`${p} ${ms >= 0}`) }, async (b) => {
      await b.timed('one', async () => undefined);
      const v = await b.timed('two', async () => 42);
      return { v, log: b.log, inventoryFile: b.inventoryFile };
    });
    expect(phases).toEqual(['one true', 'two true']);
    expect(r).toEqual({ v: 42, log: join(root, 'bt1', 'logs', 'up.log'), inventoryFile: resolve(out) });
    expect(readFileSync(r.log, 'utf8')).toMatch(/^lab up bt1: \d{4}-/);
    expect(downs).toEqual([]);
  });

  it('a failure names the phase it happened in, keeps the error and asks for the undo with the logs kept', async () => {
    const err = await build
      .buildLab({ name: 'bt2', out, logTitle: 'lab up bt2' }, async (b) => {
        await b.timed('network', async () => undefined);
        b.setPhase('provision: Create the instances');
        throw new Error('dscreate failed');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(build.LabPhaseError);
    expect((err as Error).message).toBe(`lab up failed in phase "provision: Create the instances": dscreate failed\n  log: ${join(root, 'bt2', 'logs', 'up.log')}`);
    expect(readFileSync(join(root, 'bt2', 'logs', 'error.txt'), 'utf8')).toContain('dscreate failed');
    expect(downs).toEqual([['bt2', { keepLogs: true, inventoryFile: resolve(out) }]]);
  });

  it('an existing lab is refused before anything is written, or taken down first with recreate', async () => {
    mkdirSync(join(root, 'bt3'), { recursive: true });
    writeFileSync(join(root, 'bt3', 'state.json'), JSON.stringify({ name: 'bt3', hosts: [] }));
    let ran = false;
    await expect(build.buildLab({ name: 'bt3', out, logTitle: 'x' }, async () => (ran = true))).rejects.toBeInstanceOf(build.LabExistsError);
    expect(ran).toBe(false);
    expect(existsSync(join(root, 'bt3', 'logs'))).toBe(false);
    expect(downs).toEqual([]);
    await build.buildLab({ name: 'bt3', out, recreate: true, logTitle: 'x' }, async () => (ran = true));
    expect(ran).toBe(true);
    expect(downs).toEqual([['bt3']]);
  });
});
