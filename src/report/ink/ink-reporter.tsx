import React from 'react';
import { render, type Instance } from 'ink';
import type { RunEvent } from '../../engine/events.ts';
import { mask } from '../../util/secrets.ts';
import type { ReportOutcome, Reporter, ReporterOptions } from '../types.ts';
import { initialViewState, reduceView, type ViewState } from '../view-state.ts';
import { LiveView } from './live-view.tsx';
import { ensureWidth } from '../terminal.ts';

/**
 * Live view on a TTY. State lives here and is re-rendered on each event; ink throttles frames.
 * `stdin` is used only while a confirmation question is shown.
 */
export function createInkReporter(out: NodeJS.WritableStream, stdin?: NodeJS.ReadStream, opts: ReporterOptions = {}): Reporter {
  let state: ViewState = { ...initialViewState, verbose: opts.verbose };
  let answer: ((yes: boolean) => void) | undefined;
  let instance: Instance | undefined;
  let closed = false;

  const onAnswer = (yes: boolean, interrupted = false) => {
    const resolve = answer;
    answer = undefined;
    state = { ...state, question: undefined };
    draw();
    resolve?.(yes);
    // Ctrl-C at the question is still Ctrl-C: hand it to the CLI's interrupt handler, if any.
    if (interrupted && process.listenerCount('SIGINT') > 0) process.kill(process.pid, 'SIGINT');
  };
  const view = () => <LiveView state={state} onAnswer={onAnswer} />;
  function draw() {
    if (closed) return;
    if (!instance) {
      ensureWidth(out);
      instance = render(view(), {
        stdout: out as NodeJS.WriteStream,
        // An explicit `stdin: undefined` replaces ink's default and it then draws nothing at all
        // (seen with stdout on a terminal and stdin redirected): pass it only when there is one.
        ...(stdin ? { stdin } : {}),
        // SIGINT is handled by the CLI (graceful abort first, hard exit second).
        exitOnCtrlC: false,
        patchConsole: false,
      });
    } else instance.rerender(view());
  }

  const reporter: Reporter = {
    onEvent(e: RunEvent) {
      state = reduceView(state, e);
      draw();
    },
    finish(outcome: ReportOutcome) {
      state = { ...state, outcome };
      draw();
      reporter.close();
    },
    close() {
      if (closed) return;
      if (answer) onAnswer(false);
      instance?.unmount();
      closed = true;
    },
    confirm(question: string) {
      return new Promise<boolean>((resolve) => {
        answer = resolve;
        state = { ...state, question: mask(question) };
        draw();
      });
    },
  };
  return reporter;
}
