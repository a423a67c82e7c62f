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
import { writeJsonOutcome } from './json-outcome.ts';
import { registerCompletionCommand } from './completion.ts';

/**
 * Command modules other parts of Lifeboat contribute, each with the top-level commands it adds.
 * Loaded on demand: the lab pulls in much of the engine, and `run` should not wait for it.
 */
const CONTRIBUTED: { commands: string[]; file: string; mount: (p: Command) => Promise<void> }[] = [
  { commands: ['lab'], file: 'lab.ts', mount: async (p) => (await import('./lab.ts')).registerLabCommands(p) },
  { commands: ['backup', 'keys'], file: 'backup.ts', mount: async (p) => (await import('./backup.ts')).registerBackupCommands(p) },
  { commands: ['rehearse'], file: 'rehearse.ts', mount: async (p) => (await import('./rehearse.ts')).registerRehearseCommand(p) },
  { commands: ['dr'], file: 'dr-check.ts', mount: async (p) => (await import('./dr-check.ts')).registerDrCommands(p) },
  { commands: ['report'], file: 'report.ts', mount: async (p) => (await import('./report.ts')).registerReportCommand(p) },
];

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * Mounts the contributed modules a command line needs: the one owning its command, or all of
 * them for help and unknown commands. One that fails to load is reported on stderr, and the rest
 * of the CLI keeps working.
 */
async function mountContributed(program: Command, first: string | undefined, stderr: NodeJS.WritableStream): Promise<void> {
  const owner = CONTRIBUTED.find((c) => first !== undefined && c.commands.includes(first));
  for (const c of owner ? [owner] : CONTRIBUTED) {
    try {
      await c.mount(program);
    } catch (err) {
      stderr.write(`warning: commands from src/cli/${c.file} are unavailable: ${mask(err instanceof Error ? err.message : String(err))}\n`);
    }
  }
}

/** Commands defined here: they need none of the contributed modules. */
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
    // A wrong command line says where the options and the examples are (not the whole help).
    .showHelpAfterError('(add --help for the options and examples)')
    // Lets subcommands such as `lab exec HOST -- argv...` pass options through untouched.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat inventory check -i inventories/lab.yaml
  $ lifeboat plan data-loss -i inventories/lab.yaml -e master=ds1 -e backup=latest
  $ lifeboat run data-loss -i inventories/lab.yaml -e master=ds1 -e backup=latest
  $ lifeboat runs
  $ lifeboat resume 20261122-120001-a1b2
  $ source <(lifeboat completion bash)

Exit codes: 0 done, 1 a step failed, 2 bad input, 3 interrupted, 4 lock held.
Set LIFEBOAT_DEBUG=1 to print stack traces of unexpected errors.`,
    );
  registerRunCommand(program, ctx);
  registerPlanCommand(program, ctx);
  registerResumeCommand(program, ctx);
  registerRunsCommand(program, ctx);
  registerInventoryCommands(program, ctx);
  registerCompletionCommand(program, ctx);
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  if (!first || !CORE_COMMANDS.has(first)) await mountContributed(program, first, ctx.io.stderr);
  return program;
}

/** `run … --json` and `resume … --json` promise a final run.outcome line, even for a bad command line. */
function wantsJsonOutcome(argv: string[]): boolean {
  const args = argv.slice(2);
  return args.includes('--json') && ['run', 'resume'].includes(args.find((a) => !a.startsWith('-')) ?? '');
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
      if (!informational && wantsJsonOutcome(argv)) {
        writeJsonOutcome(io.stdout, { type: 'run.outcome', status: 'invalid', exitCode: EXIT.badInput, errors: [err.message] });
      }
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
  // `lifeboat plan … | head`: a reader that went away is not our failure; stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const code = await runCli(argv);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
