/**
 * Run as a child process (chalk decides on colour once, at import): applies the CLI's colour rules
 * to this process's environment, renders a few events with the ink reporter into a fake 100-column
 * terminal, and prints what ink wrote as JSON.
 */
import { EventEmitter } from 'node:events';
import { applyColorEnv } from '../../src/report/terminal.ts';

class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = Number(process.env.TEST_COLUMNS ?? 100);
  rows = 40;
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

applyColorEnv();
const { createInkReporter } = await import('../../src/report/ink/ink-reporter.tsx');
const out = new FakeTerminal();
const reporter = createInkReporter(out as unknown as NodeJS.WriteStream);
const t = () => new Date().toISOString();
reporter.onEvent({ type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds2'], steps: 2, time: t() });
reporter.onEvent({ type: 'step.start', step: 0, name: 'Re-initialize', action: 'replication.reinit', hosts: ['ds1', 'ds2'], time: t() });
reporter.onEvent({ type: 'host.start', step: 0, host: 'ds2', time: t() });
reporter.onEvent({ type: 'host.progress', step: 0, host: 'ds2', message: 'ds2 ← ds1 dc=lab,dc=test: total update running, 2 s', time: t() });
// ink draws frames on a timer: let it draw the running step before it ends.
await new Promise((r) => setTimeout(r, 300));
reporter.onEvent({ type: 'host.done', step: 0, host: 'ds1', status: 'failed', error: 'boom', durationMs: 5, time: t() });
reporter.onEvent({ type: 'step.done', step: 0, name: 'Re-initialize', status: 'failed', durationMs: 5, time: t() });
reporter.finish({ runId: 'r1', runDir: '/s/r1', status: 'failed', exitCode: 1 });
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(JSON.stringify({ text: out.text, columns: out.columns }));
