import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunOutcome } from '../../src/engine/index.ts';
import { loadInventory } from '../../src/inventory/index.ts';
import { labDown, labUp } from '../../src/lab/index.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { uniqueLabName } from '../../src/rehearse/lab-session.ts';
import { chromiumDom, chromiumScreenshot } from '../helpers/chromium.ts';
import { pngColourCount } from '../helpers/png-pixels.ts';

/**
 * A real data-loss run on a small lab writes report.html; headless Chromium renders it offline
 * (every network request goes to a dead proxy) and the picture holds what the run did.
 */

const runnable = process.getuid?.() === 0 || !!process.env.CI;
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url));

let stateDir: string;
let lab: string | undefined;
let inventoryFile: string;
let outcome: RunOutcome;

describe.skipIf(!runnable)('the HTML report of a real data-loss run, in headless Chromium', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-report-'));
    inventoryFile = join(stateDir, 'inventory.yaml');
    lab = uniqueLabName('rp');
    await labUp({ name: lab, hosts: 4, entries: 100, topology: 'mesh', out: inventoryFile });
    const backup = (await takeBackup({ inventoryFile, host: 'ds1', dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
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
});
