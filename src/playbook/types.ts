import type { SourceLocation } from '../source/location.ts';

/** Where something was written in a YAML file, for error messages (shared with the inventory reader). */
export type { SourceLocation };

export interface ParamSpec {
  description?: string;
  required: boolean;
  default?: unknown;
  /** Values of secret params are masked everywhere. */
  secret: boolean;
  /** How `-e key=value` text is read; taken from the default's type when not written. */
  type?: 'string' | 'number' | 'boolean' | 'list' | 'host';
}

export interface UndoSpec {
  do: string;
  with: Record<string, unknown>;
}

export interface Step {
  /** Zero-based position in the playbook; the journal keys on it. */
  index: number;
  name: string;
  /** Host selector, still templated: `all`, `role:ca`, `all:!{{ master }}`. */
  on: string;
  do: string;
  with: Record<string, unknown>;
  concurrency?: number;
  /** `topology`: breadth-first from `from` (a host, templated), each host after its parent. */
  order: 'inventory' | 'topology';
  from?: string;
  timeoutMs?: number;
  retries: number;
  delayMs: number;
  /** Template expression; the step runs only when it is truthy. */
  when?: string;
  /** Destructive step: asks before running unless --yes. A string is the question. */
  confirm?: string | boolean;
  /**
   * Why this step's `confirm:` may wait until after earlier steps changed hosts (it depends on
   * facts known only then). Without it the loader refuses such a confirm: the question belongs
   * in the one asked before the run changes anything.
   */
  confirmAfterChangeReason?: string;
  undo?: UndoSpec;
  /**
   * Point of no return: once this step starts, an interrupt no longer undoes the steps before it.
   * (After a restore, re-enabling the agreements a disable step switched off would let peers that
   * were not re-initialized yet replay into the restored master; `resume` is the way forward.)
   */
  undoBarrier?: boolean;
  onError: 'stop' | 'continue';
  /** A selector that matches no host is an error unless this is true (then the step is skipped). */
  allowEmpty?: boolean;
  /** Name under which each host's action output is kept for later templating. */
  register?: string;
  loc: SourceLocation;
  /** Where each field was written: `on`, `do`, `with`, `with.<arg>`, `undo.do`, `undo.with.<arg>`, … */
  locs?: Record<string, SourceLocation>;
}

export interface Playbook {
  file: string;
  name: string;
  description: string;
  params: Record<string, ParamSpec>;
  /** The question asked once, before the run changes anything (templated with params). */
  confirm?: string;
  steps: Step[];
  /** Where top-level parts were written: `name`, `params`, `params.<name>`, `steps`. */
  locs?: Record<string, SourceLocation>;
}
