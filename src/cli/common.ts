import { setMaxListeners } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { chooseReportMode } from '../report/choose.ts';
import { applyColorEnv } from '../report/terminal.ts';
import { readExtraVarsFile } from './extra-vars-file.ts';
import { loadReporter } from '../report/load.ts';
import type { Reporter } from '../report/types.ts';
import { EXIT, InputError, InputErrors, LockHeldError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { BOUNDS } from '../source/bounds.ts';
import { didYouMean } from '../source/suggest.ts';
import { DEFAULT_PROFILE, playbookProfiles } from '../profiles/info.ts';

/** Where the CLI reads and writes; tests pass their own streams. */
export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** Given to each command module: its streams and the way to set the process exit code. */
export interface CliContext {
  io: CliIO;
  setExit(code: number): void;
}

export const DEFAULT_STATE_DIR = '.lifeboat';
export const DEFAULT_CONCURRENCY = 10;

/** The package root, where the bundled `playbooks/` live. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** commander collector for repeated `-e key=value` (or `-e @file.yaml`). */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  if (value.startsWith('@')) return { ...previous, ...readExtraVarsFile(value.slice(1)) };
  const eq = value.indexOf('=');
  const key = eq > 0 ? value.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][\w.-]*$/.test(key)) {
    // Never echo the argument: `-e passphrase:VALUE` (a typo for `=`) would print the secret.
    // An InputError (not commander's InvalidArgumentError, whose message quotes the value) is exit 2.
    const name = /^[A-Za-z_][\w.-]*/.exec(value)?.[0];
    throw new InputError(`-e expects key=value (e.g. -e master=ds1); the argument${name && name.length < value.length ? ` starting with "${name}"` : ''} has no "=" after a name (its value is not shown, it may be a secret)`);
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  const { min, max } = BOUNDS.concurrency;
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/**
 * A playbook argument is a path, or a bare name of a playbook shipped with the package, looked up
 * in the inventory profile's folder, then in the folders of the profiles it declares it reuses
 * (`data-loss` on a keytrustee inventory -> `playbooks/keytrustee/data-loss.yaml`; `rejoin` on an
 * ipa inventory -> `playbooks/389ds/rejoin.yaml`). No profile (an inventory the loader will
 * reject, or none yet) means the default, 389ds.
 */
export function resolvePlaybookArg(arg: string, cwd = process.cwd(), root = PACKAGE_ROOT, profile = DEFAULT_PROFILE): string {
  const asPath = isAbsolute(arg) ? arg : resolve(cwd, arg);
  if (existsSync(asPath)) return asPath;
  const looksLikeName = !arg.includes('/') && !arg.includes('\\') && !/\.ya?ml$/i.test(arg);
  const dirs = playbookProfiles(profile).map((p) => join(root, 'playbooks', p));
  if (looksLikeName) {
    for (const dir of dirs) {
      for (const ext of ['.yaml', '.yml']) {
        const candidate = join(dir, arg + ext);
        if (existsSync(candidate)) return candidate;
      }
    }
  }
  const shipped = [...new Set(dirs.flatMap((d) => listShippedPlaybooks(d)))];
  const hint = shipped.length ? `${looksLikeName ? didYouMean(arg, shipped) : ''} (shipped playbooks: ${shipped.join(', ')})` : '';
  throw new InputError(`playbook not found: ${arg}${hint}`);
}

/** Playbook names under one directory of shipped playbooks (default: the 389ds ones). */
export function listShippedPlaybooks(dir = join(PACKAGE_ROOT, 'playbooks', DEFAULT_PROFILE)): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => f.replace(/\.ya?ml$/, ''))
      .sort();
  } catch {
    return [];
  }
}

/** The inventory's `profile:` for finding shipped playbooks; a broken inventory is reported later, by the loader. */
export async function inventoryProfile(file: string): Promise<string | undefined> {
  try {
    const { loadInventory } = await import('../inventory/index.ts');
    return (await loadInventory(file)).profile;
  } catch {
    return undefined;
  }
}

/** Maps an error to the documented exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError || err instanceof InputErrors) return EXIT.badInput;
  if (err instanceof LockHeldError) return EXIT.lockHeld;
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'InputError' || name === 'InputErrors') return EXIT.badInput;
  if (name === 'LockHeldError') return EXIT.lockHeld;
  if (name === 'AbortError') return EXIT.interrupted;
  // Wrong key, wrong passphrase, damaged or unreadable file: bad input, nothing was changed.
  if (name === 'CryptoError') return EXIT.badInput;
  return EXIT.stepFailed;
}

/**
 * Prints an error for a person (masked) and returns its exit code. Input errors print one
 * `file:line:col: message` per line; the stack only with LIFEBOAT_DEBUG=1.
 */
export function reportError(err: unknown, stderr: NodeJS.WritableStream): number {
  const code = exitCodeFor(err);
  const lines: string[] = [];
  if (err instanceof InputErrors || (err as { name?: string })?.name === 'InputErrors') {
    for (const e of (err as InputErrors).errors) lines.push(e.message);
  } else if (err instanceof Error) {
    lines.push(code === EXIT.stepFailed && !isKnownError(err) ? `error: ${err.message}` : err.message);
  } else {
    lines.push(`error: ${String(err)}`);
  }
  if (process.env.LIFEBOAT_DEBUG === '1' && err instanceof Error && err.stack) lines.push(err.stack);
  for (const l of lines) stderr.write(mask(l) + '\n');
  return code;
}

function isKnownError(err: Error): boolean {
  return ['InputError', 'LockHeldError', 'HostKeyError', 'ActionError'].includes(err.name);
}

/**
 * Ctrl-C: the first SIGINT (or SIGTERM) aborts gracefully — the engine finishes in-flight work and
 * runs the undo of completed steps; a second SIGINT exits at once with a warning.
 */
export function installInterruptHandler(stderr: NodeJS.WritableStream): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  setMaxListeners(256, controller.signal); // every in-flight command of the run listens for Ctrl-C
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      stderr.write(
        `\n${sig === 'SIGTERM' ? 'Terminated' : 'Interrupted'}: letting in-flight commands finish, then putting back what can be undone (never past a point of no return). ` +
          'Press Ctrl-C again to exit immediately.\n',
      );
      controller.abort(new Error('interrupted by the operator'));
      return;
    }
    if (sig === 'SIGINT') {
      stderr.write(
        'Exiting now without cleanup: commands may still be running on the hosts and completed steps were not undone. ' +
          'See `lifeboat runs` and the run journal.\n',
      );
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * How `confirm` steps ask. The ink view asks inside the live view; other reporters ask on stderr
 * with readline. Without a terminal there is nobody to ask: undefined, and the engine refuses
 * unless --yes.
 */
export function makeConfirm(reporter: Reporter, io: CliIO): ((question: string) => Promise<boolean>) | undefined {
  if (!io.stdin.isTTY) return undefined;
  if (reporter.confirm) return (q) => reporter.confirm!(q);
  if (!io.stderr.isTTY) return undefined;
  return (question) =>
    new Promise<boolean>((resolveAnswer) => {
      const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
      let answered = false;
      rl.on('SIGINT', () => {
        // Ctrl-C while asking: answer no and pass the signal on to the interrupt handler.
        rl.close();
        process.kill(process.pid, 'SIGINT');
      });
      rl.on('close', () => {
        if (!answered) resolveAnswer(false);
      });
      rl.question(`? ${mask(question)} (y/N) `, (a) => {
        answered = true;
        rl.close();
        resolveAnswer(/^y(es)?$/i.test(a.trim()));
      });
    });
}

/** The reporter for run/resume, chosen from the flags and whether stdout is a terminal. */
export function reporterFor(flags: { json?: boolean; plain?: boolean; verbose?: boolean }, io: CliIO): Promise<Reporter> {
  // ink in CI prints only its static part, and a dumb terminal cannot redraw: plain lines there.
  const live = Boolean(io.stdout.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
  const mode = chooseReportMode(flags, live);
  applyColorEnv();
  return loadReporter(mode, io.stdout, io.stdin.isTTY ? io.stdin : undefined, { verbose: flags.verbose });
}

/** Runs a command body and turns its result or error into an exit code. */
export async function runAction(ctx: CliContext, body: () => Promise<number>): Promise<void> {
  try {
    ctx.setExit(await body());
  } catch (err) {
    ctx.setExit(reportError(err, ctx.io.stderr));
  }
}
