import type { UndoSpec } from '../playbook/types.ts';
import type { JournalLine } from './journal.ts';
import { unitKey } from './runner.ts';
import type { UndoEntry } from './undo.ts';

export interface Rebuilt {
  /** Units that finished (ok, changed or skipped by `when`) and were not undone since. */
  completed: Set<string>;
  registered: Record<string, Record<string, unknown>>;
  facts: Record<string, unknown>;
  undo: UndoEntry[];
  /** Steps that ended ok and had nothing undone since (resume does not ask to confirm them again). */
  doneSteps: Set<number>;
}

/**
 * Replays a journal into what `resume` needs. A unit counts as done when its last `host.done` was
 * ok/changed/skipped and no later successful undo put its change back.
 */
export function rebuildFromJournal(lines: JournalLine[]): Rebuilt {
  const out: Rebuilt = { completed: new Set(), registered: {}, facts: {}, undo: [], doneSteps: new Set() };
  for (const l of lines) {
    const step = l.step as number;
    const host = l.host as string;
    if (l.type === 'host.done') {
      if (l.previous) continue; // a resume's note about an earlier session, not new work
      const key = unitKey(step, host);
      if (l.status === 'failed') {
        out.completed.delete(key);
        continue;
      }
      out.completed.add(key);
      if (typeof l.register === 'string' && l.register) (out.registered[l.register] ??= {})[host] = l.output ?? null;
      if (l.facts && typeof l.facts === 'object') Object.assign(out.facts, l.facts);
      const undo = l.undo as UndoSpec | null | undefined;
      if (l.changed && undo && !l.check) {
        out.undo = out.undo.filter((u) => unitKey(u.step, u.host) !== key);
        out.undo.push({ step, host, spec: undo });
      }
    } else if (l.type === 'undo.barrier') {
      out.undo = [];
    } else if (l.type === 'step.done') {
      if (l.status === 'ok' && !l.notStarted) out.doneSteps.add(step);
    } else if (l.type === 'undo.done' && l.status === 'ok') {
      out.doneSteps.delete(step);
      const key = unitKey(step, host);
      out.completed.delete(key);
      out.undo = out.undo.filter((u) => unitKey(u.step, u.host) !== key);
    }
  }
  return out;
}
