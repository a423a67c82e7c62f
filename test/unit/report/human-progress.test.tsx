/** Progress a person reads: short messages, one line per host, raw commands only with --verbose, colours and width. */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { byteMeter, formatBytes, progressText } from '../../../src/actions/progress.ts';
import type { RunEvent } from '../../../src/engine/events.ts';
import { LiveView } from '../../../src/report/ink/live-view.tsx';
import { createPlainReporter } from '../../../src/report/plain.ts';
import { applyColorEnv, columnsOf, ensureWidth } from '../../../src/report/terminal.ts';
import { initialViewState, reduceView, type ViewState } from '../../../src/report/view-state.ts';
import { eventually, sink } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const START = Date.parse('2026-11-22T12:00:00Z');
const t = (ms: number) => new Date(START + ms).toISOString();
const LONG_COMMAND =
  "ldapsearch -LLL -o ldif-wrap=no -Y EXTERNAL -H ldapi://%2Frun%2Fslapd-lab.socket -b 'cn=to-ds2,cn=replica,cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config' -s base '(objectClass=*)' nsds5replicaLastInitStart nsds5replicaLastInitEnd nsds5replicaLastInitStatus nsds5BeginReplicaRefresh nsds5ReplicaEnabled nsds5ReplicaHost nsds5ReplicaPort";

function reinitEvents(): RunEvent[] {
  return [
    { type: 'run.start', runId: 'r1', playbook: 'data-loss', inventory: 'lab.yaml', hosts: ['ds1', 'ds2', 'ds3'], steps: 9, time: t(0) },
    { type: 'step.start', step: 6, name: 'Re-initialize every other host from the master, breadth-first', action: 'replication.reinit', hosts: ['ds2', 'ds3'], time: t(0) },
    { type: 'host.start', step: 6, host: 'ds2', time: t(0) },
    { type: 'host.start', step: 6, host: 'ds3', time: t(0) },
    { type: 'host.command', step: 6, host: 'ds2', command: LONG_COMMAND, on: 'ds1', time: t(100) },
    { type: 'host.progress', step: 6, host: 'ds2', message: 'ds2 ← ds1 dc=lab,dc=test: total update running, 2 s', time: t(2000) },
    { type: 'host.start', step: 6, host: 'ds1', time: t(0) },
    { type: 'host.progress', step: 6, host: 'ds1', message: 'ds1: uploading, 11 MiB of 11 MiB at 68 MiB/s, 0 s', time: t(2000) },
    { type: 'host.progress', step: 6, host: 'ds3', message: `ds3 ← ds1 dc=lab,dc=test: ${'waiting for the supplier to start the total update '.repeat(3)}, 2 s`, time: t(2000) },
  ];
}
const fold = (events: RunEvent[], base: ViewState = initialViewState): ViewState => events.reduce(reduceView, base);

describe('progress messages', () => {
  it('read as phase, peer, suffix, counts, bytes and elapsed', () => {
    expect(progressText('ds1', { phase: 'total update running', peer: 'ds4', direction: 'from', suffix: 'dc=lab,dc=test', elapsedMs: 2400 })).toBe(
      'ds1 ← ds4 dc=lab,dc=test: total update running, 2 s',
    );
    expect(progressText('ds1', { phase: 'decrypting and uploading', bytes: 120 * 1024 * 1024, totalBytes: 512 * 1024 * 1024, bytesPerSecond: 95 * 1024 * 1024, elapsedMs: 3000 })).toBe(
      'ds1: decrypting and uploading, 120 MiB of 512 MiB at 95 MiB/s, 3 s',
    );
    expect(progressText('ds2', { phase: 'enabling agreements', done: 3, total: 12 })).toBe('ds2: enabling agreements, 3/12');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('a byte meter passes data through, counts it and reports the total at the end', async () => {
    const reports: number[] = [];
    const meter = byteMeter((bytes) => reports.push(bytes), 1_000_000);
    const got: Buffer[] = [];
    meter.on('data', (c: Buffer) => got.push(c));
    const ended = new Promise((r) => meter.on('end', r));
    meter.write(Buffer.alloc(1000, 1));
    meter.end(Buffer.alloc(24, 2));
    await ended;
    expect(Buffer.concat(got).length).toBe(1024);
    expect(reports.at(-1)).toBe(1024);
  });
});

describe('live view lines', () => {
  it('one line per host, cut at the terminal width, never a raw command without --verbose', async () => {
    const { lastFrame, unmount } = render(<LiveView state={fold(reinitEvents())} now={() => START + 2000} />);
    await eventually(() => expect(lastFrame()).toContain('ds2'));
    const lines = (lastFrame() ?? '').split('\n');
    // ink-testing-library draws 100 columns wide.
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    const hostLine = (h: string) => lines.filter((l) => new RegExp(`^  \\S ${h} `).test(l));
    const ds2 = hostLine('ds2');
    expect(ds2).toHaveLength(1);
    expect(ds2[0]).toMatch(/ds2\s+2s\s+← ds1 dc=lab,dc=test: total update running, 2 s$/);
    const ds3 = hostLine('ds3');
    expect(ds3).toHaveLength(1);
    expect(ds3[0]!.endsWith('…')).toBe(true);
    expect(hostLine('ds1')[0]).toMatch(/ds1\s+2s\s+uploading, 11 MiB of 11 MiB at 68 MiB\/s, 0 s$/);
    expect(lastFrame()).not.toContain('ldapsearch');
    unmount();
  });

  it('--verbose shows the raw command on the host line (still one line)', async () => {
    const events = reinitEvents().slice(0, 5);
    const { lastFrame, unmount } = render(<LiveView state={fold(events, { ...initialViewState, verbose: true })} now={() => START + 2000} />);
    await eventually(() => expect(lastFrame()).toContain('$ [ds1] ldapsearch'));
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines.filter((l) => l.includes('ldapsearch'))).toHaveLength(1);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    unmount();
  });

  it('plain lines: commands only with --verbose', () => {
    const quiet = sink();
    const loud = sink();
    const q = createPlainReporter(quiet.stream);
    const v = createPlainReporter(loud.stream, { verbose: true });
    for (const e of reinitEvents()) {
      q.onEvent(e);
      v.onEvent(e);
    }
    expect(quiet.text()).not.toContain('ldapsearch');
    expect(quiet.text()).toContain('ds2  ← ds1 dc=lab,dc=test: total update running, 2 s');
    expect(loud.text()).toContain('ds2  $ [ds1] ldapsearch -LLL');
  });
});

describe('terminal conventions', () => {
  it('NO_COLOR turns colours off unless FORCE_COLOR is set', () => {
    const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
    applyColorEnv(env);
    expect(env.FORCE_COLOR).toBe('0');
    const forced: NodeJS.ProcessEnv = { NO_COLOR: '1', FORCE_COLOR: '1' };
    applyColorEnv(forced);
    expect(forced.FORCE_COLOR).toBe('1');
    const empty: NodeJS.ProcessEnv = { NO_COLOR: '' };
    applyColorEnv(empty);
    expect(empty.FORCE_COLOR).toBeUndefined();
  });

  it('a terminal reporting 0 columns is drawn 80 wide, also after a resize to 0', () => {
    const term = Object.assign(new EventEmitter(), { columns: 0, write: () => true }) as unknown as NodeJS.WriteStream;
    ensureWidth(term);
    expect(term.columns).toBe(80);
    term.columns = 0;
    term.emit('resize');
    expect(columnsOf(term)).toBe(80);
    expect(columnsOf(new PassThrough())).toBe(80);
  });

  const renderInChild = (env: Record<string, string>) =>
    new Promise<{ text: string; columns: number }>((done, fail) => {
      const clean = { ...process.env };
      delete clean.NO_COLOR;
      delete clean.FORCE_COLOR;
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/ink-color-child.ts')], { cwd: ROOT, env: { ...clean, CI: '0', CONTINUOUS_INTEGRATION: '0', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : done(JSON.parse(stdout)),
      );
    });
  // Colour codes are SGR sequences (ESC [ … m); ink's cursor moves are other sequences.
  const sgr = (s: string) => (s.match(/\x1b\[[0-9;]*m/g) ?? []).length;

  it('the live view prints no colour code under NO_COLOR and colours under FORCE_COLOR', async () => {
    const [noColor, forced] = await Promise.all([renderInChild({ NO_COLOR: '1' }), renderInChild({ FORCE_COLOR: '1' })]);
    expect(noColor.text).toContain('ds2');
    expect(sgr(noColor.text)).toBe(0);
    expect(sgr(forced.text)).toBeGreaterThan(0);
  }, 60_000);

  it('a terminal reporting 0 columns gets 80, not one character per line', async () => {
    const r = await renderInChild({ NO_COLOR: '1', TEST_COLUMNS: '0' });
    expect(r.columns).toBe(80);
    expect(r.text).toContain('← ds1 dc=lab,dc=test: total update running, 2 s');
  }, 60_000);
});
