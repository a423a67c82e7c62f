import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labExec } from '../../src/lab/index.ts';

/** What the fault e2e files share: the CLI stopped by a signal at a chosen moment, and a command made to fail on one host. */

const BIN = fileURLToPath(new URL('../../bin/lifeboat.js', import.meta.url));

/** One `--json` event line of the CLI, as far as the triggers read it. */
export interface CliEvent {
  type?: string;
  runId?: string;
  step?: number;
  message?: string;
  command?: string;
  status?: string;
  next?: string;
}

export interface CliStop {
  runId: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the signal was sent (the run may have ended first). */
  sent: boolean;
  events: CliEvent[];
}

/**
 * Runs the CLI from the sources beside the tests (never a stale dist/) with `--json` and sends
 * `signal` `delayMs` after the first event `when` accepts; resolves when the process ended.
 */
export function runCliUntil(args: string[], when: (e: CliEvent) => boolean, signal: 'SIGKILL' | 'SIGINT', delayMs = 0): Promise<CliStop> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIFEBOAT_FROM_SOURCE: '1' } });
    const events: CliEvent[] = [];
    let runId = '';
    let buf = '';
    let armed = false;
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let e: CliEvent;
        try {
          e = JSON.parse(line) as CliEvent;
        } catch {
          continue; // not an event line
        }
        events.push(e);
        if (e.type === 'run.start' && e.runId) runId = e.runId;
        if (!armed && when(e)) {
          armed = true;
          setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) sent = child.kill(signal);
          }, delayMs);
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, sig) => (runId ? resolve({ runId, code, signal: sig, sent, events }) : reject(new Error(`no run started (exit ${code})`))));
  });
}

/** A command on one host that fails: the binary replaced by /bin/false in that host's own mount namespace. */
export async function breakCommand(lab: string, host: string, binary: string, on: boolean): Promise<void> {
  const r = await labExec(lab, host, on ? ['mount', '--bind', '/bin/false', binary] : ['umount', binary]);
  if (r.code !== 0) throw new Error(`${on ? 'mount' : 'umount'} ${binary} on ${host}: ${r.stderr}`);
}
