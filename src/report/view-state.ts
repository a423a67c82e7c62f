import type { RunEvent } from '../engine/events.ts';
import { maskDeep } from '../util/secrets.ts';
import type { ReportOutcome } from './types.ts';

/** What the live view shows, derived from events alone (a pure reducer, easy to test). */
export type HostStatus = 'waiting' | 'running' | 'ok' | 'changed' | 'skipped' | 'failed';

export interface HostView {
  host: string;
  status: HostStatus;
  /** Last progress message, or the summary once done. */
  message?: string;
  error?: string;
  startedAt?: number;
  durationMs?: number;
}

export interface StepView {
  index: number;
  name: string;
  action: string;
  hosts: HostView[];
  status: 'running' | 'ok' | 'failed' | 'skipped';
  durationMs?: number;
}

/** Lines that never change once written: they go to ink's <Static> (append only). */
export type LogItem =
  | { key: string; kind: 'run'; runId: string; playbook: string; hosts: string[]; steps: number }
  | { key: string; kind: 'step'; step: StepView; total: number }
  | { key: string; kind: 'summary'; lines: string[] }
  | { key: string; kind: 'warning'; message: string; host?: string }
  | { key: string; kind: 'undo'; step: number; host: string; text: string; failed: boolean };

export interface ViewState {
  totalSteps: number;
  log: LogItem[];
  current?: StepView;
  done?: { runId: string; status: 'done' | 'failed' | 'interrupted'; durationMs: number; next?: string };
  outcome?: ReportOutcome;
  question?: string;
  /** --verbose: the raw commands are shown as each host's message. */
  verbose?: boolean;
  /** Connecting before step 1: since when, and to how many hosts (a spinner until the next event). */
  connecting?: { since: number; hosts: number };
}

export const initialViewState: ViewState = { totalSteps: 0, log: [] };

function updateHost(step: StepView, host: string, patch: Partial<HostView>): StepView {
  const exists = step.hosts.some((h) => h.host === host);
  const hosts = exists
    ? step.hosts.map((h) => (h.host === host ? { ...h, ...patch } : h))
    : [...step.hosts, { host, status: 'waiting' as const, ...patch }];
  return { ...step, hosts };
}

export function reduceView(state: ViewState, raw: RunEvent): ViewState {
  const e = maskDeep(raw);
  // Whatever the engine says after `run.connect` (a warning, the summary, a step) means connecting is over.
  if (state.connecting && e.type !== 'run.connect') state = { ...state, connecting: undefined };
  return reduceEvent(state, e);
}

function reduceEvent(state: ViewState, e: RunEvent): ViewState {
  const at = Date.parse(e.time);
  const n = state.log.length;
  switch (e.type) {
    case 'run.connect':
      return { ...state, connecting: { since: at, hosts: e.hosts.length } };
    case 'run.start':
      return {
        ...state,
        totalSteps: e.steps,
        log: [...state.log, { key: `run${n}`, kind: 'run', runId: e.runId, playbook: e.playbook, hosts: e.hosts, steps: e.steps }],
      };
    case 'run.summary':
      return { ...state, log: [...state.log, { key: `summary${n}`, kind: 'summary', lines: e.lines }] };
    case 'step.start':
      return {
        ...state,
        current: {
          index: e.step,
          name: e.name,
          action: e.action,
          status: 'running',
          hosts: e.hosts.map((host) => ({ host, status: 'waiting' })),
        },
      };
    case 'host.start':
      if (state.current?.index !== e.step) return state;
      return { ...state, current: updateHost(state.current, e.host, { status: 'running', startedAt: at }) };
    case 'host.command':
      if (!state.verbose || state.current?.index !== e.step) return state;
      return { ...state, current: updateHost(state.current, e.host, { message: `$ ${e.on ? `[${e.on}] ` : ''}${e.command}` }) };
    case 'host.progress':
      if (state.current?.index !== e.step) return state;
      return { ...state, current: updateHost(state.current, e.host, { message: e.message }) };
    case 'host.done':
      if (state.current?.index !== e.step) return state;
      return {
        ...state,
        current: updateHost(state.current, e.host, {
          status: e.status,
          durationMs: e.durationMs,
          message: e.summary,
          error: e.error,
        }),
      };
    case 'step.done': {
      const base: StepView =
        state.current?.index === e.step
          ? state.current
          : { index: e.step, name: e.name, action: '', hosts: [], status: 'running' };
      const finished: StepView = { ...base, status: e.status, durationMs: e.durationMs };
      return {
        ...state,
        current: state.current?.index === e.step ? undefined : state.current,
        log: [...state.log, { key: `step${n}`, kind: 'step', step: finished, total: state.totalSteps }],
      };
    }
    case 'undo.start':
      return {
        ...state,
        log: [...state.log, { key: `undo${n}`, kind: 'undo', step: e.step, host: e.host, text: `undo ${e.action}`, failed: false }],
      };
    case 'undo.done':
      return {
        ...state,
        log: [
          ...state.log,
          {
            key: `undo${n}`,
            kind: 'undo',
            step: e.step,
            host: e.host,
            text: e.status === 'ok' ? 'undo done' : `undo failed: ${e.error ?? ''}`,
            failed: e.status === 'failed',
          },
        ],
      };
    case 'warning':
      return { ...state, log: [...state.log, { key: `warn${n}`, kind: 'warning', message: e.message, host: e.host }] };
    case 'run.done':
      return { ...state, done: { runId: e.runId, status: e.status, durationMs: e.durationMs, next: e.next } };
  }
}
