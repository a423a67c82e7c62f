import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { ldapModify } from '../../src/profiles/389ds/actions/ldap.ts';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunOutcome } from '../../src/engine/index.ts';
import { loadInventory } from '../../src/inventory/index.ts';
import { labDown } from '../../src/lab/index.ts';
import { labUp } from '../../src/profiles/389ds/lab/up.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { openSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { uniqueLabName } from '../../src/rehearse/lab-name.ts';
import { chromiumDom, chromiumScreenshot } from '../helpers/chromium.ts';
import { pngColourCount } from '../helpers/png-pixels.ts';

/**
 * One small lab for two features. A real data-loss run on a small lab writes report.html; headless Chromium renders it offline
 * (every network request goes to a dead proxy) and the picture holds what the run did. Then
 * `lifeboat dr check` scores the same lab: ready as built, and not ready, naming the item, with one
 * CA host, without a backup, and once its agreements leave a host whose loss splits the graph.
 */

const runnable = process.getuid?.() === 0 || !!process.env.CI;
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/lifeboat.js', import.meta.url));
const exec = promisify(execFile);

interface DrOutput {
  ok: boolean;
  items: { id: string; status: string; why: string }[];
}

/** `lifeboat dr check --json` as a user runs it: its exit code and what it printed. */
async function drCheck(inventory: string, backupDir: string): Promise<{ code: number; out: DrOutput }> {
  const args = [BIN, 'dr', 'check', '-i', inventory, '--backup-dir', backupDir, '--state-dir', stateDir, '--json'];
  try {
    const { stdout } = await exec(process.execPath, args, { timeout: 120_000 });
    return { code: 0, out: JSON.parse(stdout) as DrOutput };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number' || !err.stdout) throw new Error(`dr check failed: ${err.stderr ?? String(e)}`);
    return { code: err.code, out: JSON.parse(err.stdout) as DrOutput };
  }
}

const item = (out: DrOutput, id: string) => out.items.find((i) => i.id === id);

let stateDir: string;
let lab: string | undefined;
let inventoryFile: string;
let outcome: RunOutcome;
let backup: string;

describe.skipIf(!runnable)('the HTML report of a real data-loss run in headless Chromium, and dr check on the same lab', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-report-'));
    inventoryFile = join(stateDir, 'inventory.yaml');
    lab = uniqueLabName('rp');
    await labUp({ name: lab, hosts: 4, entries: 100, topology: 'mesh', out: inventoryFile });
    backup = (await takeBackup({ inventoryFile, host: 'ds1', dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
    outcome = await startRun({
      playbookFile: join(PLAYBOOKS, 'data-loss.yaml'),
      inventoryFile,
      params: { master: 'ds1', backup },
      yes: true,
      concurrency: 10,
      stateDir,
      onEvent: () => undefined,
    });
  });

  afterAll(async () => {
    if (lab) await labDown(lab);
  });

  it('is written when the run ends, and Chromium shows one node per host, one edge per agreement, every step, no secret', async () => {
    expect(outcome.status).toBe('done');
    const file = join(outcome.runDir, 'report.html');
    expect(existsSync(file)).toBe(true);
    const dom = await chromiumDom(file);
    const inventory = await loadInventory(inventoryFile);
    const hosts = [...dom.matchAll(/<g class="host[^"]*" data-host="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(hosts).toEqual(inventory.hosts.map((h) => h.name).sort());
    // The lab: a 4-host mesh on dc=lab,dc=test (12 agreements) and o=ipaca among ds1, ds2, ds4 (6).
    const agreements = [...dom.matchAll(/<path class="agreement [^"]*" data-agreement="([^"]+)" data-suffix="([^"]+)"/g)].map((m) => `${m[2]} ${m[1]}`);
    expect(agreements).toHaveLength(18);
    expect(new Set(agreements).size).toBe(18);
    expect(dom.match(/data-state="ok"/g)).toHaveLength(18);
    const steps = [...dom.matchAll(/<g class="step" data-step="(\d+)">/g)].map((m) => Number(m[1]));
    const playbookSteps = (readFileSync(join(PLAYBOOKS, 'data-loss.yaml'), 'utf8').match(/^  - name:/gm) ?? []).length;
    expect(steps).toEqual([...Array(playbookSteps).keys()]);
    expect(dom).toMatch(/<g class="wave">/); // the re-init waves are numbered on their edges
    for (const s of Object.values(inventory.secrets)) {
      if (!('file' in s)) continue;
      const secret = readFileSync(s.file, 'utf8').trim();
      expect(secret.length).toBeGreaterThan(3);
      expect(readFileSync(file, 'utf8')).not.toContain(secret);
    }
  });

  it('renders to a screenshot that is not blank', async () => {
    const png = join(stateDir, 'report.png');
    await chromiumScreenshot(join(outcome.runDir, 'report.html'), png);
    const { width, height, colours } = pngColourCount(readFileSync(png));
    expect(width).toBe(1200);
    expect(height).toBe(1600);
    expect(colours).toBeGreaterThan(20);
  });

  it('the run marked the backup it restored and verified as restore-tested, and backup list shows it', async () => {
    const { stdout } = await exec(process.execPath, [BIN, 'backup', 'list', '-i', inventoryFile, '--dir', join(stateDir, 'backups')], { timeout: 60_000 });
    expect(stdout).toMatch(new RegExp(`^lifeboat-data-\\S+ {2}ds1 .* restore-tested by run ${outcome.runId} \\(`, 'm'));
    const json = await exec(process.execPath, [BIN, 'backup', 'list', '-i', inventoryFile, '--dir', join(stateDir, 'backups'), '--json'], { timeout: 60_000 });
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { dir: string; restoreTestedBy?: string });
    expect(rows.find((r) => r.dir === backup)?.restoreTestedBy).toBe(outcome.runId);
  });

  it('backup=latest-good and backup=latest plan that very file; backup verify reads its tar and backup list shows it', async () => {
    // The plan resolves the store like a run does: ./backups from where it runs (no backup_dir in the lab inventory).
    for (const ref of ['latest-good', 'latest']) {
      const { stdout } = await exec(process.execPath, [BIN, 'plan', 'data-loss', '-i', inventoryFile, '-e', 'master=ds1', '-e', `backup=${ref}`], { cwd: stateDir, timeout: 120_000 });
      // The archive streams into tar on the master: the plan shows which file goes on its stdin.
      expect(stdout).toContain(`stdin: ${join(backup, 'payload.tar')}\n`);
      expect(stdout).toContain(`# backup=${ref}: ${basename(backup)}, ${ref === 'latest' ? 'the newest 389-ds backup that verifies (archive verified' : `restore-tested by run ${outcome.runId}`}`);
    }
    const verify = await exec(process.execPath, [BIN, 'backup', 'verify', basename(backup), '-i', inventoryFile, '--dir', join(stateDir, 'backups')], { timeout: 60_000 });
    expect(verify.stdout).toMatch(new RegExp(`^${basename(backup)} {2}archive verified \\(\\d+ tar entries\\)\n$`));
    const { stdout } = await exec(process.execPath, [BIN, 'backup', 'list', '-i', inventoryFile, '--dir', join(stateDir, 'backups')], { timeout: 60_000 });
    expect(stdout).toMatch(new RegExp(`^${basename(backup)} .* verified \\(archive\\) \\S+ {2}restore-tested by run ${outcome.runId}`, 'm'));
  });

  it('dr check: the default lab is ready (exit 0), each item saying why', async () => {
    // The plain table, as the README shows it.
    const plain = await exec(process.execPath, [BIN, 'dr', 'check', '-i', inventoryFile, '--backup-dir', join(stateDir, 'backups'), '--state-dir', stateDir], { timeout: 120_000 });
    expect(plain.stdout).toMatch(/: READY \(\d+ pass, \d+ warn, 0 fail, 0 skipped\)\n$/);
    writeFileSync(join(stateDir, 'dr-check.txt'), plain.stdout);
    const { code, out } = await drCheck(inventoryFile, join(stateDir, 'backups'));
    expect(out.items.filter((i) => i.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(out.ok).toBe(true);
    expect(item(out, 'host-keys')).toMatchObject({ status: 'pass', why: 'all 4 hosts connected with verified host keys' });
    expect(item(out, 'no-articulation-point')?.status).toBe('pass');
    expect(item(out, 'agreements-per-replica')).toMatchObject({ status: 'pass', why: expect.stringContaining('ds1 3') });
    expect(item(out, 'hidden-replica')).toMatchObject({ status: 'pass', why: 'hidden ds4 holds ca' });
    expect(item(out, 'backup')?.why).toMatch(/^lifeboat-data-.* of ds1, \d+ min old, checksum verified/);
  });

  it('dr check fails naming the item: one CA host, then no backup', async () => {
    const doc = parse(readFileSync(inventoryFile, 'utf8')) as { hosts: Record<string, { roles: string[] }> };
    for (const [name, h] of Object.entries(doc.hosts)) if (name !== 'ds1') h.roles = h.roles.filter((r) => r !== 'ca');
    const oneCa = join(stateDir, 'one-ca.yaml');
    writeFileSync(oneCa, stringify(doc));
    const a = await drCheck(oneCa, join(stateDir, 'backups'));
    expect(a.code).toBe(1);
    expect(item(a.out, 'ca-hosts')).toMatchObject({ status: 'fail', why: expect.stringContaining('only 1 CA host (ds1)') });
    const b = await drCheck(inventoryFile, join(stateDir, 'no-backups'));
    expect(b.code).toBe(1);
    expect(item(b.out, 'backup')).toMatchObject({ status: 'fail', why: 'no backup of this cluster found' });
    expect(b.out.items.filter((i) => i.status === 'fail').map((i) => i.id)).toEqual(['backup']);
  });

  it('dr check names the articulation point once ds4 replicates only with ds3', async () => {
    const s = await openSession(lab!, inventoryFile);
    try {
      for (const h of s.hosts) {
        const remote = await s.connect(h);
        for (const a of await listAgreements(remote, s.inventory, h, s.instance)) {
          if ((h === 'ds4' && a.peer !== 'ds3') || (h !== 'ds3' && a.peer === 'ds4')) {
            await ldapModify(remote, s.instance, `dn: ${a.dn}\nchangetype: delete\n`, { timeoutMs: 30_000 });
          }
        }
      }
    } finally {
      await s.close();
    }
    const { code, out } = await drCheck(inventoryFile, join(stateDir, 'backups'));
    expect(code).toBe(1);
    expect(item(out, 'no-articulation-point')).toMatchObject({ status: 'fail', why: 'losing ds3 would split dc=lab,dc=test' });
    expect(item(out, 'graph-connected')?.status).toBe('pass');
  });
});
