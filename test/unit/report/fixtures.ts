import type { RunEvent } from '../../../src/engine/events.ts';

/** A synthetic run: 3 steps on ds1/ds2, step 2 fails on ds2 with a secret in its error. */
export const SECRET = 'hunter2-very-secret';

export function syntheticRun(start = Date.parse('2026-11-22T12:00:00Z')): RunEvent[] {
  const t = (ms: number) => new Date(start + ms).toISOString();
  return [
    { type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds2'], steps: 7, time: t(0) },
    { type: 'step.start', step: 1, name: 'Disable every agreement', action: 'replication.disable', hosts: ['ds1', 'ds2'], time: t(100) },
    { type: 'host.start', step: 1, host: 'ds1', time: t(100) },
    { type: 'host.start', step: 1, host: 'ds2', time: t(100) },
    { type: 'host.progress', step: 1, host: 'ds1', message: 'disabling 3 agreements', time: t(200) },
    { type: 'host.done', step: 1, host: 'ds1', status: 'changed', summary: '3 agreements disabled', durationMs: 400, time: t(500) },
    { type: 'host.done', step: 1, host: 'ds2', status: 'failed', error: `ldapmodify: bind failed for password ${SECRET}\nsecond line`, durationMs: 1200, time: t(1300) },
    { type: 'step.done', step: 1, name: 'Disable every agreement', status: 'failed', durationMs: 1200, time: t(1300) },
    { type: 'undo.start', step: 0, host: 'ds1', action: 'replication.enable', time: t(1400) },
    { type: 'undo.done', step: 0, host: 'ds1', status: 'ok', time: t(1500) },
    { type: 'warning', message: 'ds3 unreachable', host: 'ds3', time: t(1500) },
    { type: 'run.done', runId: 'r1', status: 'failed', durationMs: 1600, next: 'lifeboat resume r1', time: t(1600) },
  ];
}

/** Collects what a reporter writes, split into lines. */
export function sink(): { stream: NodeJS.WritableStream; text: () => string; lines: () => string[] } {
  let buf = '';
  const stream = {
    write(chunk: string | Uint8Array) {
      buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => buf, lines: () => buf.split('\n').filter((l) => l !== '') };
}

/** Retries an assertion until it passes (ink redraws on a throttle, later on a busy machine). */
export async function eventually(assertion: () => void, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
