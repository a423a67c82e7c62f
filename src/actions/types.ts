import type { Inventory, InventoryHost } from '../inventory/types.ts';
import type { RemoteHost } from '../transport/types.ts';

/** One argument an action takes; this one table drives validation, `plan` and the README. */
export interface ArgSpec {
  type: 'string' | 'number' | 'boolean' | 'string[]' | 'object' | 'any';
  required?: boolean;
  default?: unknown;
  description: string;
  /**
   * The value may carry a secret: masked in plans, journals and errors, and the action sends it
   * only on stdin or in a 0600 file. Only such arguments may template `secrets.*` or a secret param.
   */
  secret?: boolean;
  /**
   * The value names where a secret comes from: an inventory secret (`inventory`), an environment
   * variable (`env`) or a file (`file`). The engine resolves it once, before connecting, so a
   * missing one stops the run before any host changed. Empty = not used.
   */
  secretSource?: 'inventory' | 'env' | 'file';
  /** With secretSource `inventory`: the default secret may be absent from the inventory (then unused). */
  secretOptional?: boolean;
}

/** A command an action would run on a host, for `plan` and the journal; secrets already masked. */
export interface PlannedCommand {
  host: string;
  command: string;
  /** What goes to stdin, described (e.g. "LDIF, 12 lines" or "password ***"). */
  stdin?: string;
  note?: string;
}

export interface ActionEvent {
  kind: 'progress' | 'command' | 'warning';
  host: string;
  message: string;
  data?: Record<string, unknown>;
  /** Structured progress (phase, peer, suffix, counts, bytes, elapsed); `message` is its text. */
  progress?: import('./progress.ts').Progress;
}

/** Everything an action sees while planning or running one host. */
export interface ActionContext {
  host: InventoryHost;
  inventory: Inventory;
  /** Arguments, templated and validated against the action's ArgSpec table. */
  args: Record<string, unknown>;
  /** Variables of the run: params, registered outputs, facts (`topology`, ...). */
  vars: Record<string, unknown>;
  /** Connects lazily; the same RemoteHost for the whole run. `connect(other)` reaches a peer. */
  connect(hostName?: string): Promise<RemoteHost>;
  /** Resolves an inventory secret by name (registered for masking). */
  secret(name: string): Promise<string>;
  signal: AbortSignal;
  timeoutMs?: number;
  emit(event: Omit<ActionEvent, 'host'> & { host?: string }): void;
  /** Directory of this run (journal, fetched files). */
  runDir: string;
  /** True in check mode: the action must not change anything. */
  check: boolean;
}

export interface ActionResult {
  /** Did this host change? The journal records it; `resume` and reports rely on it. */
  changed: boolean;
  /** Short human summary for the live view and report. */
  summary?: string;
  /** Structured output, kept under the step's `register` name. */
  output?: unknown;
  /** How to put back exactly what this run changed on this host (overrides the step's undo). */
  undo?: { do: string; with: Record<string, unknown> };
  /** Facts to merge into the run's vars (e.g. `topology` from topology.discover). */
  facts?: Record<string, unknown>;
}

export interface Action {
  name: string;
  description: string;
  args: Record<string, ArgSpec>;
  /** Inventory profiles this action works on; absent = every profile (the builtins). */
  profiles?: string[];
  /** Changes state in a way an operator should confirm (playbooks still decide with `confirm`). */
  destructive?: boolean;
  /** Changes nothing on any host (checks, reads): a `confirm:` may follow it without a reason. */
  readOnly?: boolean;
  /** Changes nothing with these step arguments (`shell` with `readonly: true`), as written in the playbook. */
  readOnlyWith?(args: Record<string, unknown>): boolean;
  /** Runs once for the step rather than once per host (e.g. topology.discover may still be per host). */
  plan(ctx: ActionContext): PlannedCommand[] | Promise<PlannedCommand[]>;
  run(ctx: ActionContext): Promise<ActionResult>;
}

/** Thrown by actions for an expected failure: the message is shown as is (after masking). */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly detail?: { command?: string; code?: number | null; stdout?: string; stderr?: string; hint?: string },
  ) {
    super(message);
    this.name = 'ActionError';
  }
}
