import type { HostKeyPolicy } from '../inventory/types.ts';
import type { PlannedCommand } from '../actions/types.ts';
import type { RemoteHost } from '../transport/types.ts';
import type { RunEvent } from './events.ts';

/** Where the engine gets its connections; `SshPool` by default, a fake in tests. */
export interface HostConnector {
  get(hostName: string): Promise<RemoteHost>;
  closeAll(): Promise<void>;
}

export interface RunOptions {
  playbookFile: string;
  inventoryFile: string;
  /** `-e key=value` values; declared params only (defaults come from the playbook). */
  params: Record<string, string>;
  limit?: string;
  /** Unattended: confirmations are answered yes. */
  yes: boolean;
  /** Check mode: actions see `ctx.check` and change nothing. */
  check?: boolean;
  /** Default concurrency of a step (a step's own `concurrency` wins). */
  concurrency: number;
  /** Holds `runs/<runId>/`. */
  stateDir: string;
  /** Where inventory locks live; default the per-user defaultLockDir() (never under stateDir). */
  lockDir?: string;
  /** Asks the operator; absent (no TTY) means a step needing confirmation is refused unless `yes`. */
  confirm?: (question: string) => Promise<boolean>;
  /** Abort = Ctrl-C: no new units start, in-flight ones finish or time out, then undo runs. */
  signal?: AbortSignal;
  onEvent: (e: RunEvent) => void;
  hostKeyPolicy?: HostKeyPolicy;
  /** Replaces the SSH pool (tests, local runs). */
  connector?: (inv: import('../inventory/types.ts').Inventory) => HostConnector;
}

export type ResumeOptions = Omit<RunOptions, 'playbookFile' | 'inventoryFile' | 'params'> & {
  /** Values for secret params (run.json keeps them masked, so they must be given again). */
  params?: Record<string, string>;
};

export interface RunOutcome {
  runId: string;
  runDir: string;
  status: 'done' | 'failed' | 'interrupted';
  exitCode: number;
  failed?: { step: number; host: string; error: string };
  next?: string;
  /** The run's HTML report, once written (it is written after the journal closes). */
  report?: string;
}

export type PlanOptions = Pick<RunOptions, 'playbookFile' | 'inventoryFile' | 'params' | 'limit' | 'concurrency'> & {
  /** Optional: only used to name a run directory in plans; nothing is written. */
  stateDir?: string;
};

export interface PlanHost {
  host: string;
  commands: PlannedCommand[];
  /** Topology order: the host this one waits for. */
  parent?: string | null;
  /** Why this host would be skipped, or what is unknown until run time. */
  note?: string;
}

export interface PlanOutput {
  /**
   * Why a run would not go as planned: a step or host that cannot be planned (missing or foreign
   * backup, bad argument, ...). Non-empty makes `lifeboat plan` exit 2: a plan is a gate.
   */
  problems: string[];
  /** What the run would do, in short: for the operator's last look before `run`. */
  summary: PlanSummary;
  /** The one question a run asks before step 1 (none with --yes or --check). */
  confirm?: string;
  steps: {
    index: number;
    name: string;
    action: string;
    hosts: PlanHost[];
    order?: 'inventory' | 'topology';
    confirm?: string;
    when?: string;
    note?: string;
  }[];
}

export interface PlanSummary {
  /** Steps whose action changes state destructively or that ask for confirmation: `N "name"`. */
  destructive: string[];
  /** Steps that ask before running (unless --yes). */
  confirmations: string[];
  /** Steps marked undo_barrier: after them an interrupt undoes nothing earlier. */
  pointsOfNoReturn: string[];
  /** Every host some step would run on, in inventory order. */
  hosts: string[];
}

export type RunStatus = 'running' | 'done' | 'failed' | 'interrupted' | 'invalid';

/** `run.json`: what a run was started with; params are masked. */
export interface RunRecord {
  runId: string;
  playbook: string;
  inventory: string;
  params: Record<string, string>;
  /** The `-e` values as given (secret ones masked): what `resume` starts from. */
  given: Record<string, string>;
  /** Of the playbook file when the run started: resume warns when it changed. */
  playbookSha256?: string;
  limit?: string;
  check: boolean;
  concurrency: number;
  started: string;
  finished?: string;
  status: RunStatus;
  pid: number;
  hostname: string;
}

export interface RunListEntry {
  runId: string;
  playbook: string;
  inventory: string;
  status: RunStatus;
  started: string;
  finished?: string;
}
