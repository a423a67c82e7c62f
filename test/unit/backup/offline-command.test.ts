import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { offlineCommand } from '../../../src/profiles/389ds/actions/backup/commands.ts';

/** A fake dsctl that logs its arguments to a file and, like the real one, prints what it did. */
function fakeTools(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-offline-'));
  const log = join(dir, 'calls.log');
  writeFileSync(join(dir, 'dsctl'), `#!/bin/sh\necho "$*" >> ${log}\necho "Instance $2 done"\nsleep 0.2\necho "more output"\n`);
  chmodSync(join(dir, 'dsctl'), 0o755);
  return { dir, log };
}

/** Runs `command` with its stdout a pipe nobody reads any more, as when the controller died. */
function runWithClosedStdout(command: string, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { env: { ...process.env, PATH: `${path}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    child.stderr.destroy();
    child.on('close', (code) => resolve(code));
  });
}

describe('offlineCommand', () => {
  it('starts the server again when the controller went away during the offline step (its output pipe closed)', async () => {
    const { dir, log } = fakeTools();
    await runWithClosedStdout(offlineCommand('lab', ["dsctl 'lab' db2bak /x"]), dir);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(["lab stop", 'lab db2bak /x', 'lab start']);
  });

  it("ends with the first failing step's status, prints the tools' output, and lets a caller's cleanup run after it", async () => {
    const { dir } = fakeTools();
    const command = `${offlineCommand('lab', ['false', 'true'])}; rc=$?; echo cleanup; exit $rc`;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('sh', ['-c', command], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('Instance stop done');
    expect(out.stdout.trim().endsWith('cleanup')).toBe(true);
  });
});
