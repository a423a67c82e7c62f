import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerBackupCommands } from '../../../src/cli/backup.ts';
import type { CliContext } from '../../../src/cli/common.ts';

/** Runs one `lifeboat backup …` command in-process with captured output and, for its length, extra env. */
export async function backupCli(
  argv: string[],
  env: Record<string, string> = {},
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  let code = 0;
  const ctx = { io: { stdout, stderr, stdin }, setExit: (c: number) => (code = c) } as unknown as CliContext;
  const program = new Command('lifeboat').exitOverride();
  registerBackupCommands(program, ctx);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await program.parseAsync(['node', 'lifeboat', ...argv]);
  } finally {
    process.env = saved;
  }
  return { code, out, err };
}
