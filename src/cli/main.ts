import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { PACKAGE_ROOT, reportError, type CliContext, type CliIO } from './common.ts';
import { registerInventoryCommands } from './inventory-check.ts';
import { registerPlanCommand } from './plan.ts';
import { registerResumeCommand } from './resume.ts';
import { registerRunCommand } from './run.ts';
import { registerRunsCommand } from './runs.ts';

/** Command modules other parts of Lifeboat contribute; each exports one register function. */
const CONTRIBUTED: { file: string; register: string }[] = [
  { file: './lab.ts', register: 'registerLabCommands' },
  { file: './backup.ts', register: 'registerBackupCommands' },
  { file: './rehearse.ts', register: 'registerRehearseCommand' },
];

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * A contributed module that is missing is skipped silently; one that fails to load or register
 * is reported on stderr, and the core commands keep working.
 */
async function mountContributed(program: Command, stderr: NodeJS.WritableStream): Promise<void> {
  for (const { file, register } of CONTRIBUTED) {
    try {
      const mod = (await import(file)) as Record<string, unknown>;
      const fn = mod[register];
      if (typeof fn !== 'function') throw new Error(`${file} does not export ${register}()`);
      (fn as (p: Command) => void)(program);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message?.includes(file.slice(2))) continue;
      stderr.write(`warning: commands from src/cli/${file.slice(2)} are unavailable: ${mask(e.message ?? String(err))}\n`);
    }
  }
}

const CORE_COMMANDS = new Set(['run', 'plan', 'resume', 'runs', 'inventory']);

export async function buildProgram(ctx: CliContext, argv: string[] = []): Promise<Command> {
  const program = new Command('lifeboat')
    .description('Bring a replicated 389 Directory Server / FreeIPA / Key Trustee topology back from disaster over SSH')
    .version(version())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    })
    .showSuggestionAfterError()
    // Lets subcommands such as `lab exec HOST -- argv...` pass options through untouched.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat inventory check -i inventories/lab.yaml
  $ lifeboat plan data-loss -i inventories/lab.yaml -e master=ds1
  $ lifeboat run data-loss -i inventories/lab.yaml -e master=ds1
  $ lifeboat runs
  $ lifeboat resume <run-id>

Exit codes: 0 done, 1 a step failed, 2 bad input, 3 interrupted, 4 lock held.
Set LIFEBOAT_DEBUG=1 to print stack traces of unexpected errors.`,
    );
  registerRunCommand(program, ctx);
  registerPlanCommand(program, ctx);
  registerResumeCommand(program, ctx);
  registerRunsCommand(program, ctx);
  registerInventoryCommands(program, ctx);
  // Contributed modules can be slow to import (the lab pulls in the engine); a core command does
  // not need them. Help, unknown and contributed commands mount them all.
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  if (!first || !CORE_COMMANDS.has(first)) await mountContributed(program, ctx.io.stderr);
  return program;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/** Parses argv and runs one command; resolves to the exit code (never exits the process). */
export async function runCli(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let code: number | undefined;
  const ctx: CliContext = { io, setExit: (c) => (code = c) };
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed the message (or the help/version).
      const informational = ['commander.helpDisplayed', 'commander.version'].includes(err.code) || err.exitCode === 0;
      return informational ? EXIT.ok : EXIT.badInput;
    }
    return reportError(err, io.stderr);
  }
  // Contributed commands may set process.exitCode instead of using the context.
  return code ?? (typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Entry point of bin/lifeboat.js: runs the command, then exits so no stray handle keeps it alive. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const code = await runCli(argv);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
