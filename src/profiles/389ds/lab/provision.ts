import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRun, type RunEvent } from '../../../engine/index.ts';
import { info389ds } from '../info.ts';
import { mask } from '../../../util/secrets.ts';
import { labPaths } from '../../../lab/names.ts';
import type { LabState } from '../../../lab/state.ts';

/** The profile's lab-provision playbook. */
export const PROVISION_PLAYBOOK = join(info389ds.playbooksDir, 'lab-provision.yaml');

export interface ProvisionOptions {
  state: LabState;
  inventoryFile: string;
  entries: number;
  log: string;
  onPhase: (phase: string, ms: number) => void;
  onProgress?: (message: string) => void;
  setPhase: (phase: string) => void;
}

/** A provisioning run that did not finish: names the step, the host and the run's journal. */
export class ProvisionError extends Error {
  constructor(message: string, readonly runDir: string) {
    super(message);
    this.name = 'ProvisionError';
  }
}

/**
 * Provisions the lab the way Lifeboat handles any cluster: the engine runs
 * playbooks/389ds/lab-provision.yaml over SSH against the inventory `lab up` just wrote. Each step's
 * duration is reported as a phase; every event also goes to the lab's log.
 */
export async function provisionLab(opts: ProvisionOptions): Promise<{ runDir: string }> {
  const log = (line: string) => appendFileSync(opts.log, mask(line) + '\n');
  const onEvent = (e: RunEvent) => {
    switch (e.type) {
      case 'step.start':
        opts.setPhase(e.name);
        log(`step ${e.step + 1} ${e.name} (${e.action}) on ${e.hosts.join(', ')}`);
        break;
      case 'step.done':
        log(`step ${e.step + 1} ${e.status} in ${e.durationMs} ms`);
        if (e.status !== 'skipped') opts.onPhase(e.name, e.durationMs);
        break;
      case 'host.done':
        log(`  ${e.host}: ${e.status}${e.summary ? ` ${e.summary}` : ''}${e.error ? ` ERROR ${e.error}` : ''} (${e.durationMs} ms)`);
        opts.onProgress?.(`${e.host}: ${e.status}${e.summary ? ` ${e.summary}` : ''}`);
        break;
      case 'host.progress':
        log(`  ${e.host}: ${e.message}`);
        break;
      case 'host.command':
        // The lab log is for debugging a failed `lab up`: every command, as before.
        log(`  ${e.host}: $ ${e.on ? `[${e.on}] ` : ''}${e.command}`);
        break;
      case 'warning':
        log(`  warning${e.host ? ` ${e.host}` : ''}: ${e.message}`);
        break;
      default:
        break;
    }
  };
  const outcome = await startRun({
    playbookFile: PROVISION_PLAYBOOK,
    inventoryFile: opts.inventoryFile,
    params: { entries: String(opts.entries), source: opts.state.hosts[0]!.name },
    yes: true,
    concurrency: 8,
    stateDir: labPaths(opts.state.name).dir,
    onEvent,
  });
  log(`run ${outcome.runId}: ${outcome.status} (${outcome.runDir})`);
  if (outcome.status !== 'done') {
    const f = outcome.failed;
    throw new ProvisionError(
      `provisioning run ${outcome.status}${f ? ` at step ${f.step + 1} on ${f.host}: ${f.error}` : ''} (journal in ${outcome.runDir})`,
      outcome.runDir,
    );
  }
  return { runDir: outcome.runDir };
}
