import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, syntheticRun } from './fixtures.ts';

// Under CI, ink prints only its final frame (it reads CI once, when it loads), so this test of the
// live frames loads ink with CI switched off for this file alone; the plain reporter is what CI uses.
let createInkReporter: typeof import('../../../src/report/ink/ink-reporter.tsx').createInkReporter;
beforeAll(async () => {
  process.env.CI = '0';
  process.env.CONTINUOUS_INTEGRATION = '0';
  ({ createInkReporter } = await import('../../../src/report/ink/ink-reporter.tsx'));
});

/** A terminal-like output that keeps everything ink writes. */
class FakeTerminal extends EventEmitter {
  columns = 100;
  rows = 40;
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

/** A terminal-like input: `type()` makes one chunk readable, as a keypress would. */
class FakeKeyboard extends EventEmitter {
  isTTY = true;
  private pending: string | null = null;
  type(s: string) {
    this.pending = s;
    this.emit('readable');
  }
  read() {
    const s = this.pending;
    this.pending = null;
    return s;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const settle = () => new Promise((r) => setTimeout(r, 80));

describe('ink reporter', () => {
  it('renders the run, asks inside the live view, and ends with the summary', async () => {
    const out = new FakeTerminal();
    const keys = new FakeKeyboard();
    const reporter = createInkReporter(out as unknown as NodeJS.WriteStream, keys as unknown as NodeJS.ReadStream);
    const events = syntheticRun(Date.now());
    reporter.onEvent(events[0]!);
    const answer = reporter.confirm!('Disable every agreement on ds1, ds2?');
    await eventually(() => expect(plain(out.text)).toContain('? Disable every agreement on ds1, ds2? (y/N)'));
    let answered: boolean | undefined;
    void answer.then((a) => (answered = a));
    // ink attaches its input listener after the frame is drawn: type until it is heard.
    for (let i = 0; i < 50 && answered === undefined; i++) {
      keys.type('y');
      await settle();
    }
    expect(answered).toBe(true);
    for (const e of events.slice(1)) reporter.onEvent(e);
    reporter.finish({ runId: 'r1', runDir: '/s/r1', status: 'failed', exitCode: 1, next: 'lifeboat resume r1' });
    await eventually(() => expect(plain(out.text)).toContain('Next: lifeboat resume r1'));
    const text = plain(out.text);
    expect(text).toContain('Run r1: data-loss on ds1, ds2 (7 steps)');
    expect(text).toMatch(/✖ \[2\/7\] Disable every agreement/);
    expect(text).toContain('Run r1 failed in 1.6s.');
    expect(text).toContain('Next: lifeboat resume r1');
    // Closed: further events draw nothing.
    const length = out.text.length;
    reporter.onEvent(events[1]!);
    await settle();
    expect(out.text.length).toBe(length);
  });

  it('answers no to a pending question when closed', async () => {
    const reporter = createInkReporter(new FakeTerminal() as unknown as NodeJS.WriteStream, new FakeKeyboard() as unknown as NodeJS.ReadStream);
    const answer = reporter.confirm!('Go?');
    reporter.close();
    await expect(answer).resolves.toBe(false);
  });
});
