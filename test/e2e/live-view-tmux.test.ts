/**
 * The live view as a person sees it: `lifeboat run data-loss` in a real terminal (tmux, 100
 * columns) on a real 3-host lab. The test answers the one up-front question, then reads the screen
 * with `capture-pane` while the run goes: no line ever wraps, and the re-initialization lines read
 * as progress ("ds2 ← ds1 dc=lab,dc=test: total update running, 2 s"), not as commands.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown } from '../../src/lab/index.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { e2eLabName, labSkipReason, withLab } from './lab-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LAB = e2eLabName('tmuxv');
const COLUMNS = 100;
const SOCKET = `lifeboat-${LAB}`;
const SESSION = 'live';
const skip = labSkipReason();

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
/** The visible screen as tmux holds it; `joined` re-joins lines the terminal itself wrapped. */
const screen = (joined = false) => tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), '-t', SESSION);
/** -J also keeps trailing spaces: lines are measured without them. */
const normal = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
let inventoryFile: string;
let backup: string;

describe.skipIf(skip !== undefined)('the live view in a real terminal', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-tmux-'));
    // Reuses a healthy lab of that name (a re-run), else builds one.
    const lab = await withLab({ name: LAB, hosts: 3, entries: 300 });
    inventoryFile = lab.inventoryFile;
    await lab.close();
    backup = (await takeBackup({ inventoryFile, host: 'ds1', dest: join(work, 'backups'), stateDir: join(work, 'state'), workDir: work })).dir;
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // not started
    }
    await labDown(LAB).catch(() => undefined);
  });

  it('asks once before anything changes, then shows progress lines that never wrap at 100 columns', async () => {
    const exitFile = join(work, 'exit');
    const script = join(work, 'run.sh');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        `cd ${ROOT}`,
        // A person's terminal: not CI, colours off as NO_COLOR asks.
        'unset CI CONTINUOUS_INTEGRATION',
        `NO_COLOR=1 node bin/lifeboat.js run data-loss -i ${inventoryFile} -e master=ds1 -e backup=${backup} --state-dir ${join(work, 'state')}`,
        `echo $? > ${exitFile}`,
        'sleep 600',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(work, 'tmux.conf'), 'set -g history-limit 20000\n');
    tmux('-f', join(work, 'tmux.conf'), 'new-session', '-d', '-s', SESSION, '-x', String(COLUMNS), '-y', '50', script);

    const seen = new Set<string>();
    const wrapped: string[] = [];
    let questions = 0;
    let answered = false;
    let questionAfterAnswer = false;
    let gone = false;
    let progressScreen = '';
    const t0 = Date.now();
    while (!existsSync(exitFile) && Date.now() - t0 < 480_000) {
      // One capture with -J: tmux joins the lines the terminal wrapped (ink's own line breaks stay
      // apart), so a wrapped line comes back longer than the terminal is wide.
      const plain = normal(screen(true));
      wrapped.push(...plain.split('\n').filter((l) => l.length > COLUMNS));
      const lines = plain.split('\n');
      if (!progressScreen && lines.some((l) => l.includes('← ds1'))) progressScreen = plain;
      for (const l of lines) if (l.trim()) seen.add(l.trimEnd());
      // ink word-wraps a long question over several lines: look at the screen as a whole.
      const asking = plain.includes('? Restore ds1 from') && plain.includes('(y/N)');
      if (asking && !answered) {
        questions++;
        // The question is up before step 1: nothing has been disabled yet.
        expect(lines.some((l) => /Disable every agreement .*(changed|ok)/.test(l))).toBe(false);
        tmux('send-keys', '-t', SESSION, 'y');
        answered = true;
      } else if (answered && !asking) {
        gone = true;
      } else if (answered && asking && gone) {
        // The question went away after the answer and came back: a second question.
        questionAfterAnswer = true;
      }
      await sleep(250);
    }
    expect(existsSync(exitFile)).toBe(true);
    const history = tmux('capture-pane', '-p', '-S', '-', '-t', SESSION);
    writeFileSync(join(work, 'screen.txt'), history);
    writeFileSync(join(work, 'progress.txt'), progressScreen);
    console.log(`live view (${COLUMNS} columns), during the re-initialization:\n${progressScreen.trimEnd()}\n\nat the end:\n${history.trimEnd()}`);

    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    expect(questions).toBe(1);
    expect(questionAfterAnswer).toBe(false);
    expect([...new Set(wrapped)]).toEqual([]);
    for (const l of seen) expect(l.length).toBeLessThanOrEqual(COLUMNS);
    // No host line says its own name twice (`ds1 … ds1: uploading`).
    expect([...seen].filter((l) => /^\s+\S (ds\d)\s.*\s\1: /.test(l))).toEqual([]);
    // The summary came before the question.
    const steps = (readFileSync(resolve(import.meta.dirname, '../../playbooks/389ds/data-loss.yaml'), 'utf8').match(/^  - name:/gm) ?? []).length;
    expect(history).toContain(`About to run data-loss: ${steps} step(s) on 3 host(s) (ds1, ds2, ds3)`);
    // (ink word-wraps this long line itself: the words may continue on the next line.)
    expect(history).toMatch(/Backup: \S+ \(ds1,\s+taken\s+\S+\s+\S+\s+UTC,\s+[\s\S]*?ago\)/);
    // Re-initialization reads as progress, and no screen line ever showed a raw command.
    const reinit = [...seen].filter((l) => /^\s+\S ds[23]\s/.test(l) && l.includes('← ds1'));
    expect(reinit.length).toBeGreaterThan(0);
    for (const l of reinit) expect(l).toMatch(/ds[23]\s+\d+s\s+← ds1 (dc=lab,dc=test|o=ipaca): (total update asked|waiting for the supplier to start the total update|total update running)( \(attempt \d+\))?, \d+ s/);
    // (A phase may name a tool, "dsctl stop / bak2db / start"; a command line has flags, the
    // instance name, the LDAPI socket or attribute names.)
    expect([...seen].filter((l) => /ldapi:|-Y EXTERNAL|-LLL|dsctl lab|dsconf lab|nsds5|cn=config/.test(l))).toEqual([]);
    expect(history).toMatch(/Run \S+ done in /);
  });
});
