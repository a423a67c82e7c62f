import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { sameDn } from './agreements.ts';

/**
 * The per-suffix re-initialization plan topology.discover computed (fact `reinit_plan`: suffix ->
 * host -> parent): a host may get the domain suffix from one parent and o=ipaca from another, each
 * along that suffix's own agreements. A suffix whose parent is not the engine's topology parent
 * waits here until that parent has received the suffix itself (a marker file in the run
 * directory, so a resumed run sees what an earlier session finished).
 */

export type ReinitPlan = Record<string, Record<string, string>>;

export function reinitPlanOf(ctx: Pick<ActionContext, 'vars'>): ReinitPlan | undefined {
  const p = ctx.vars.reinit_plan;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as ReinitPlan) : undefined;
}

/** This host's (suffix, parent) pairs from the plan, narrowed to `suffixes` when the step names them. */
export function parentsFor(plan: ReinitPlan, host: string, suffixes?: string[]): { suffix: string; parent: string }[] {
  return Object.entries(plan)
    .filter(([suffix, parents]) => parents[host] !== undefined && (!suffixes || suffixes.some((s) => sameDn(s, suffix))))
    .map(([suffix, parents]) => ({ suffix, parent: parents[host]! }));
}

function marker(runDir: string, host: string, suffix: string): string {
  return join(runDir, 'reinit-done', `${host}--${Buffer.from(suffix.toLowerCase()).toString('hex')}`);
}

export async function markReinitDone(runDir: string, host: string, suffix: string): Promise<void> {
  await mkdir(join(runDir, 'reinit-done'), { recursive: true });
  await writeFile(marker(runDir, host, suffix), `${new Date().toISOString()}\n`);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Waits until `parent` holds `suffix` again (it is the plan's root, or its own re-init of it finished). */
export async function waitForParent(ctx: ActionContext, plan: ReinitPlan, parent: string, suffix: string, timeoutMs: number): Promise<void> {
  const parents = plan[suffix] ?? {};
  if (parents[parent] === undefined) return; // the root: restored before this step
  const deadline = Date.now() + timeoutMs;
  let told = false;
  while (!(await exists(marker(ctx.runDir, parent, suffix)))) {
    if (Date.now() > deadline) throw new ActionError(`${ctx.host.name}: ${parent} did not receive ${suffix} within ${timeoutMs / 1000} s, so ${ctx.host.name} cannot be re-initialized from it`);
    if (!told) ctx.emit({ kind: 'progress', message: `waiting for ${parent} to receive ${suffix} first` });
    told = true;
    await sleep(500, undefined, { signal: ctx.signal });
  }
}
