import { mask } from '../util/secrets.ts';

/** The shape of `planRun`'s problems and summary, declared structurally (as plan-text.ts does). */
export interface PlanGateView {
  problems: string[];
  summary: { destructive: string[]; confirmations: string[]; pointsOfNoReturn: string[]; hosts: string[] };
}

const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');

/** The closing lines of `plan`: what the run would do, at a glance. */
export function formatPlanSummary(plan: PlanGateView): string[] {
  const s = plan.summary;
  return [
    'Summary:',
    `  destructive steps:   ${list(s.destructive)}`,
    `  confirmations:       ${list(s.confirmations)}`,
    `  points of no return: ${list(s.pointsOfNoReturn)}`,
    `  hosts touched:       ${s.hosts.length ? `${s.hosts.length} (${s.hosts.join(', ')})` : 'none'}`,
  ].map(mask);
}

/** What `plan` prints first (on stderr) when the run it describes could not go as planned. */
export function formatPlanProblems(plan: PlanGateView): string[] {
  if (plan.problems.length === 0) return [];
  const n = plan.problems.length;
  return [`plan refused: ${n} problem${n === 1 ? '' : 's'} a run would hit (exit 2):`, ...plan.problems.map((p) => `  - ${p.replace(/\n/g, '\n    ')}`)].map(mask);
}
