import type { PlannedCommand } from '../actions/types.ts';
import { mask } from '../util/secrets.ts';
import { stepLabel } from './format.ts';

/** The shape `planRun` returns (engine PlanOutput), declared structurally. */
export interface PlanView {
  confirm?: string;
  steps: {
    index: number;
    name: string;
    action: string;
    hosts: { host: string; commands: PlannedCommand[]; parent?: string | null; note?: string }[];
    order?: 'inventory' | 'topology';
    confirm?: string;
    when?: string;
    note?: string;
  }[];
}

/**
 * `plan` for a person: per step and host, the exact commands (secrets already `***`), what goes
 * on stdin, and notes. Every line is masked once more on the way out.
 */
export function formatPlan(plan: PlanView, title: string): string[] {
  const total = plan.steps.length;
  const out: string[] = [title, ''];
  if (plan.confirm) out.push(`Asks once, before step 1 (unless --yes): ${plan.confirm}`, '');
  for (const step of plan.steps) {
    const extras = [
      step.action,
      step.order === 'topology' ? 'topology order' : '',
      step.when ? `when: ${step.when}` : '',
      step.confirm ? 'asks for confirmation' : '',
    ].filter(Boolean);
    out.push(`${stepLabel(step.index, total)} ${step.name}  (${extras.join(', ')})`);
    if (step.note) out.push(`  # ${step.note}`);
    if (step.hosts.length === 0) out.push('  (no hosts)');
    for (const h of step.hosts) {
      const after = h.parent ? `  (after ${h.parent})` : '';
      out.push(`  ${h.host}${after}`);
      if (h.note) out.push(`    # ${h.note}`);
      if (h.commands.length === 0 && !h.note) out.push('    (no commands)');
      for (const c of h.commands) {
        out.push(`    $ ${c.command}`);
        if (c.stdin) out.push(`      stdin: ${c.stdin}`);
        if (c.note) out.push(`      # ${c.note}`);
      }
    }
    out.push('');
  }
  out.push('Nothing was changed.');
  return out.map(mask);
}
