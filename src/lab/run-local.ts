import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/** A local command that failed: carries what a reader needs to see why. */
export class LocalCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`${argv.join(' ')} exited ${code}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'LocalCommandError';
  }
}

export interface LocalResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one local command without a shell (argv as given). Every call is appended to `log` when
 * set, so a failing phase can point at a file that shows what ran.
 */
export function runLocal(
  argv: string[],
  opts: { input?: string; log?: string; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<LocalResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(err));
    child.on('close', (code) => {
      if (opts.log) {
        appendFileSync(opts.log, `$ ${argv.join(' ')}\n${stdout}${stderr}${code === 0 ? '' : `[exit ${code}]\n`}`);
      }
      if (code !== 0 && !opts.allowFail) reject(new LocalCommandError(argv, code, stderr, stdout));
      else resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      // A command may exit without reading its input; that is its exit code's business.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}
