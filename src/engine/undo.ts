import { getAction } from '../actions/registry.ts';
import type { UndoSpec } from '../playbook/types.ts';
import { mask } from '../util/secrets.ts';
import { applyArgSpec } from './args.ts';
import { attemptAction } from './attempt.ts';
import type { ContextParams } from './context.ts';
import { renderDeep } from './deps.ts';
import type { RunEvent } from './events.ts';
import type { CommandRecord } from './recording-host.ts';
import { hostVars, type RunState } from './vars.ts';

/** A unit that changed something and knows how to put it back. */
export interface UndoEntry {
  step: number;
  host: string;
  spec: UndoSpec;
}

export interface UndoDeps {
  state: RunState;
  /** Per step index: the timeout its undo gets (the step's own). */
  timeoutOf(step: number): number | undefined;
  context: Pick<ContextParams, 'connector' | 'secrets' | 'runDir'>;
  emit(e: RunEvent, detail?: Record<string, unknown>): void;
  /** Called when an undo succeeded: the unit is no longer done (resume runs it again). */
  undone(step: number, host: string): void;
}

const now = () => new Date().toISOString();

/** How many undos put their change back, and how many failed. */
export interface UndoTally {
  undone: number;
  failed: number;
}

/** Puts back what completed units changed, newest first; one failing undo does not stop the rest. */
export async function runUndo(entries: UndoEntry[], d: UndoDeps): Promise<UndoTally> {
  const tally: UndoTally = { undone: 0, failed: 0 };
  for (const u of [...entries].reverse()) {
    d.emit({ type: 'undo.start', step: u.step, host: u.host, action: u.spec.do, time: now() });
    const records: CommandRecord[] = [];
    try {
      const action = getAction(u.spec.do, d.state.inventory.profile);
      if (!action) throw new Error(`unknown undo action "${u.spec.do}"`);
      const host = d.state.inventory.hosts.find((h) => h.name === u.host);
      if (!host) throw new Error(`host ${u.host} is no longer in the inventory`);
      const vars = hostVars(d.state, host);
      const args = applyArgSpec(action, renderDeep(u.spec.with, vars) as Record<string, unknown>);
      await attemptAction(action, {
        ...d.context, step: u.step, host, inventory: d.state.inventory, args, vars, check: false, records, emit: (e) => d.emit(e),
      }, d.timeoutOf(u.step));
      d.undone(u.step, u.host);
      tally.undone++;
      d.emit({ type: 'undo.done', step: u.step, host: u.host, status: 'ok', time: now() }, { commands: records, spec: u.spec });
    } catch (err) {
      const error = mask(`undo of step ${u.step + 1} on ${u.host} (${u.spec.do}): ${err instanceof Error ? err.message : String(err)}`);
      d.emit({ type: 'undo.done', step: u.step, host: u.host, status: 'failed', error, time: now() }, { commands: records, spec: u.spec });
      tally.failed++;
    }
  }
  return tally;
}
