import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startRun, type RunEvent, type RunOutcome } from '../../../engine/index.ts';
import { labDown } from '../../../lab/index.ts';
import { labUp } from '../lab/up.ts';
import { info389ds } from '../info.ts';
import { takeBackup } from '../../../rehearse/backup-step.ts';
import type { Check } from '../../../rehearse/checks.ts';
import { labControl } from './lab-control.ts';
import { openSession, type LabSession } from './lab-session.ts';
import { uniqueLabName } from '../../../rehearse/lab-name.ts';
import { writeReport, type Phase, type RehearsalReport } from '../../../rehearse/report-files.ts';
import { phaseRunner } from '../../../rehearse/phases.ts';
import { runTimings } from '../../../rehearse/run-timings.ts';
import { SCENARIOS, scenarioNames } from './scenarios.ts';

export { scenarioNames };

/**
 * `lifeboat rehearse SCENARIO`: a throw-away lab, a backup, the scenario's damage, the scenario's
 * playbook through the engine, checks made directly on every host, a report, and the lab removed.
 */

export interface RehearseOptions {
  scenario: string;
  hosts: number;
  entries: number;
  keep: boolean;
  stateDir: string;
  /** Lab name; default a unique one, so a rehearsal never touches another lab. */
  lab?: string;
  onEvent?: (e: RunEvent) => void;
  /** One line per phase, for people watching. */
  log: (line: string) => void;
}

export interface RehearseResult {
  report: RehearsalReport;
  files: { markdown: string; json: string };
}

/** The profile's own playbooks. */
const PLAYBOOKS = info389ds.playbooksDir;


export async function rehearse(opts: RehearseOptions): Promise<RehearseResult> {
  const scenario = SCENARIOS[opts.scenario];
  if (!scenario) throw new Error(`unknown scenario "${opts.scenario}" (known: ${scenarioNames().join(', ')})`);
  if (opts.hosts < scenario.minHosts) throw new Error(`${scenario.name} needs at least ${scenario.minHosts} hosts`);
  const lab = opts.lab ?? uniqueLabName();
  const stateDir = resolve(opts.stateDir);
  const workDir = join(stateDir, 'rehearsals', lab);
  await mkdir(workDir, { recursive: true });
  const inventoryFile = join(workDir, 'inventory.yaml');
  const tag = lab;
  const started = new Date();
  const phases: Phase[] = [];
  const checks: Check[] = [];
  const report: RehearsalReport = {
    scenario: scenario.name,
    lab,
    hosts: opts.hosts,
    entries: opts.entries,
    started: started.toISOString(),
    finished: '',
    ok: false,
    phases,
    checks,
    kept: opts.keep,
    inventoryFile,
  };

  const phase = phaseRunner(phases, opts.log);

  let session: LabSession | undefined;
  let labCreated = false;
  let outcome: RunOutcome | undefined;
  try {
    await phase(`lab up (${opts.hosts} hosts, ${opts.entries} entries)`, async () => {
      labCreated = true;
      await labUp({ name: lab, hosts: opts.hosts, entries: opts.entries, topology: 'mesh', out: inventoryFile });
    });
    session = await openSession(lab, inventoryFile);
    const s = session;
    const backupHost = scenario.backupHost(s);
    const backup = await phase(
      `backup on ${backupHost}`,
      () => takeBackup({ inventoryFile, host: backupHost, dest: join(workDir, 'backups'), stateDir, workDir, onEvent: opts.onEvent }),
      (b) => b.dir,
    );
    report.backup = backup.dir;
    const broken = await phase('break the lab', () => scenario.breakLab(s, labControl(lab, s), tag), () => scenario.description);
    outcome = await phase(
      `playbook ${scenario.playbook}`,
      () =>
        startRun({
          playbookFile: join(PLAYBOOKS, `${scenario.playbook}.yaml`),
          inventoryFile,
          params: scenario.params(s, backup.dir),
          yes: true,
          concurrency: 10,
          stateDir,
          onEvent: opts.onEvent ?? (() => undefined),
        }),
      (o) => `run ${o.runId}: ${o.status}${o.failed ? ` — ${o.failed.error}` : ''}`,
    );
    report.run = { runId: outcome.runId, runDir: outcome.runDir, status: outcome.status, failed: outcome.failed };
    report.timings = await runTimings(outcome.runDir);
    if (outcome.status === 'done') {
      checks.push(...(await phase('verify', async () => scenario.verify(s, broken, tag), (c) => `${c.filter((x) => x.ok).length}/${c.length} checks passed`)));
    }
    report.ok = outcome.status === 'done' && checks.length > 0 && checks.every((c) => c.ok);
  } catch {
    report.ok = false;
  } finally {
    await session?.close().catch(() => undefined);
    if (labCreated && !opts.keep) {
      await phase('lab down', () => labDown(lab)).catch(() => undefined);
    }
    report.finished = new Date().toISOString();
  }
  const files = await writeReport(outcome?.runDir ?? workDir, report);
  return { report, files };
}
