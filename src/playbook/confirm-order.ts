import type { Action } from '../actions/types.ts';
import { InputError } from '../util/errors.ts';
import type { Playbook, Step } from './types.ts';

/** Does this step (may) change hosts? Unknown actions count as changing: be careful, not clever. */
export function changesHosts(step: Step, knownActions: Map<string, Action>): boolean {
  const action = knownActions.get(step.do);
  return !action?.readOnly && !action?.readOnlyWith?.(step.with);
}

/**
 * A `confirm:` after a step that changes hosts leaves the cluster half-changed while a person
 * reads the question (minutes, or an hour). Such a question belongs in the one asked before the
 * run changes anything; a step whose question depends on run-time facts says so with
 * `confirm_after_change_reason:`.
 */
export function confirmOrderProblems(pb: Playbook, knownActions: Map<string, Action>): InputError[] {
  const problems: InputError[] = [];
  const firstChange = pb.steps.find((s) => changesHosts(s, knownActions));
  for (const step of pb.steps) {
    const at = step.locs?.confirm ?? step.loc;
    const label = `step ${step.index + 1} (${step.name})`;
    if (step.confirmAfterChangeReason !== undefined && !step.confirm) {
      problems.push(new InputError(`${label}: confirm_after_change_reason without confirm`, step.locs?.confirm_after_change_reason ?? step.loc));
      continue;
    }
    if (!step.confirm || !firstChange || step.index <= firstChange.index) continue;
    if (step.confirmAfterChangeReason?.trim()) continue;
    problems.push(
      new InputError(
        `${label}: confirm comes after step ${firstChange.index + 1} (${firstChange.name}) changed hosts, so the cluster would wait half-changed on a person; ` +
          'move the question to the playbook\'s top-level confirm (asked once before anything changes), ' +
          'or say why it must wait with confirm_after_change_reason:',
        at,
      ),
    );
  }
  return problems;
}
