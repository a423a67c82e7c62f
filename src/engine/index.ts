/** The engine's public face: the CLI, the lab and rehearsals call only these. */
export { startRun, resumeRun, listRuns } from './start.ts';
export { planRun } from './plan.ts';
export { exitCodeFor } from './exit-code.ts';
export type { RunOptions, ResumeOptions, RunOutcome, PlanOptions, PlanOutput, PlanHost, RunListEntry, RunRecord, RunStatus, HostConnector } from './types.ts';
export type { RunEvent } from './events.ts';
