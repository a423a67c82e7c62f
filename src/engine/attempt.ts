import { setMaxListeners } from 'node:events';
import type { Action, ActionResult } from '../actions/types.ts';
import { actionContext, type ContextParams } from './context.ts';

/**
 * One try of an action on one host, stopped at `timeoutMs` whether or not the action honours its
 * signal: the signal is aborted (the transport then kills the remote process) and the try fails.
 */
export async function attemptAction(action: Action, params: Omit<ContextParams, 'signal' | 'timeoutMs'>, timeoutMs?: number): Promise<ActionResult> {
  const ac = new AbortController();
  // An action may run many remote commands at once on this one signal (every host, every suffix):
  // each listens for the abort, which is no leak, so Node's warning at 10 would only alarm people.
  setMaxListeners(256, ac.signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (!timeoutMs) return;
    timer = setTimeout(() => {
      const e = new Error(`timed out after ${timeoutMs} ms`);
      ac.abort(e);
      reject(e);
    }, timeoutMs);
  });
  const running = action.run(actionContext({ ...params, signal: ac.signal, timeoutMs }));
  running.catch(() => undefined); // may lose the race against the timeout
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
