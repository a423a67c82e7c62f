import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateKeyPair } from '../../../crypto/index.ts';
import { startRun, type RunOutcome } from '../../../engine/index.ts';
import { labDown } from '../../../lab/index.ts';
import { check, type Check } from '../../../rehearse/checks.ts';
import { writeReport, type Phase, type RehearsalReport } from '../../../rehearse/report-files.ts';
import { phaseRunner } from '../../../rehearse/phases.ts';
import { runTimings } from '../../../rehearse/run-timings.ts';
import type { ProfileRehearsalOptions } from '../../types.ts';
import { infoKeytrustee } from '../info.ts';
import { ktsLabUp } from '../lab/up.ts';
import { KTS_SCENARIOS, depositDigest, psql } from './scenarios.ts';

const PASS_ENV = 'LIFEBOAT_KTS_REHEARSAL_PASSPHRASE';

/**
 * `lifeboat rehearse kts-*`: a throw-away pair, a backup (encrypted for a key made for the
 * rehearsal), the damage, the playbook through the engine, checks made directly with psql, the
 * same report as the 389-ds rehearsals, and the lab removed.
 */
export async function rehearseKts(opts: ProfileRehearsalOptions) {
  const scenario = KTS_SCENARIOS[opts.scenario];
  if (!scenario) throw new Error(`unknown scenario "${opts.scenario}" (known: ${Object.keys(KTS_SCENARIOS).join(', ')})`);
  const lab = opts.lab;
  const stateDir = resolve(opts.stateDir);
  const workDir = join(stateDir, 'rehearsals', lab);
  await mkdir(workDir, { recursive: true });
  const inventoryFile = join(workDir, 'inventory.yaml');
  const phases: Phase[] = [];
  const checks: Check[] = [];
  const report: RehearsalReport = {
    scenario: scenario.name, lab, hosts: 2, entries: opts.deposits, started: new Date().toISOString(), finished: '', ok: false, phases, checks, kept: opts.keep, inventoryFile,
  };
  const phase = phaseRunner(phases, opts.log);
  const run = (playbook: string, params: Record<string, string>) =>
    startRun({ playbookFile: join(infoKeytrustee.playbooksDir, `${playbook}.yaml`), inventoryFile, params, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });

  let labCreated = false;
  let outcome: RunOutcome | undefined;
  try {
    await phase(`lab up (kts1 active, kts2 passive, ${opts.deposits} deposits)`, async () => {
      labCreated = true;
      await ktsLabUp({ name: lab, out: inventoryFile, hosts: 2, entries: 0, topology: '', deposits: opts.deposits });
    });
    process.env[PASS_ENV] = randomBytes(18).toString('base64url');
    const key = await generateKeyPair({ name: `rehearsal ${lab}`, passphrase: process.env[PASS_ENV]!, outDir: join(workDir, 'keys'), fileStem: 'backup' });
    const backup = await phase('backup on kts1', async () => {
      const o = await run('backup', { recipient_key: key.publicKeyFile, dest: join(workDir, 'backups') });
      if (o.status !== 'done') throw new Error(`backup run ${o.runId}: ${o.failed?.error ?? o.status}`);
      return join(workDir, 'backups');
    }, (d) => d);
    report.backup = backup;
    const atBackup = await depositDigest(lab, 'kts1');
    const wanted = await phase('break the lab', () => scenario.breakLab(lab), () => scenario.description);
    const expected = wanted ?? atBackup;
    outcome = await phase(
      `playbook ${scenario.playbook}`,
      () => run(scenario.playbook, scenario.needsBackup ? { backup: 'latest', dest: join(workDir, 'backups'), key: key.privateKeyFile, passphrase_env: PASS_ENV } : {}),
      (o) => `run ${o.runId}: ${o.status}${o.failed ? ` — ${o.failed.error}` : ''}`,
    );
    report.run = { runId: outcome.runId, runDir: outcome.runDir, status: outcome.status, failed: outcome.failed };
    report.timings = await runTimings(outcome.runDir);
    if (outcome.status === 'done') {
      await phase('verify', async () => {
        checks.push(await check('deposits on the active', async () => {
          const d = await depositDigest(lab, 'kts1');
          return { ok: d === expected, detail: `kts1 ${d}; expected ${expected}` };
        }));
        checks.push(await check('deposits on the passive', async () => {
          const d = await depositDigest(lab, 'kts2');
          return { ok: d === expected, detail: `kts2 ${d}; expected ${expected}` };
        }));
        checks.push(await check('passive in recovery, active streaming to it', async () => {
          const rec = await psql(lab, 'kts2', 'SELECT pg_is_in_recovery()');
          const st = await psql(lab, 'kts1', 'SELECT state FROM pg_stat_replication');
          return { ok: rec === 't' && st === 'streaming', detail: `kts2 in recovery: ${rec}; kts1 replication: ${st || 'none'}` };
        }));
        checks.push(await check('a new deposit on the active reaches the passive in < 5 s', async () => {
          const uuid = (await psql(lab, 'kts1', "INSERT INTO deposits (owner, payload) VALUES ('rehearsal', 'probe') RETURNING uuid")).split('\n')[0];
          const t0 = Date.now();
          while (Date.now() - t0 < 5000) {
            if ((await psql(lab, 'kts2', `SELECT count(*) FROM deposits WHERE uuid = '${uuid}'`)) === '1') return { ok: true, detail: `visible on kts2 after ${Date.now() - t0} ms` };
            await new Promise((r) => setTimeout(r, 50));
          }
          return { ok: false, detail: 'not visible on kts2 after 5000 ms' };
        }));
        return checks;
      }, (c) => `${c.filter((x) => x.ok).length}/${c.length} checks passed`);
    }
    report.ok = outcome.status === 'done' && checks.length > 0 && checks.every((c) => c.ok);
  } catch {
    report.ok = false;
  } finally {
    delete process.env[PASS_ENV];
    if (labCreated && !opts.keep) await phase('lab down', () => labDown(lab)).catch(() => undefined);
    report.finished = new Date().toISOString();
  }
  const files = await writeReport(outcome?.runDir ?? workDir, report);
  return { ok: report.ok, checks: report.checks, files };
}
