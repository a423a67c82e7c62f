/**
 * How a command is wrapped on the remote side.
 *
 * OpenSSH ignores most `signal` channel requests, so a timeout cannot rely on them. Every command
 * runs in its own session (`setsid -w`: the group id is then the inner shell's pid), and that shell
 * first writes `PGID_MARKER<pid>` as the first line of stderr — stdout stays exactly the command's.
 * The controller strips that line and, on timeout or abort, kills the whole group over a second
 * channel. With become, `sudo` runs inside the group, so the kill is sent through sudo as well.
 */
import { shellQuote } from './shell-quote.ts';

export const PGID_MARKER = '@@lifeboat-pgid=';

export interface BecomeMode {
  /** With a password it is written as the first stdin line (`sudo -S`), never in argv. */
  password?: string;
}

/** `sudo` prefix. `-k` makes sudo always read the password, so it never leaks into the command's stdin. */
function sudoPrefix(become: BecomeMode): string {
  return become.password !== undefined ? "sudo -k -S -p '' --" : 'sudo -n --';
}

export function wrapCommand(command: string, become?: BecomeMode): string {
  // Without become the command runs in the marker shell itself (`shift` first, so it sees no
  // positional parameters, as under `sh -c`): one process start fewer per command.
  const run = become ? `exec ${sudoPrefix(become)} sh -c "$1"` : 'eval "shift; $1"';
  const inner = `echo "${PGID_MARKER}$$" >&2; ${run}`;
  return `exec setsid -w sh -c ${shellQuote(inner)} lifeboat ${shellQuote(command)}`;
}

/** TERM the group, wait up to `graceMs` for it to go, then KILL what is left. */
export function killGroupCommand(pgid: number, graceMs: number, become?: BecomeMode): string {
  const tries = Math.max(1, Math.ceil(graceMs / 100));
  const script =
    `kill -TERM -${pgid} 2>/dev/null || exit 0; i=0; ` +
    `while [ $i -lt ${tries} ]; do sleep 0.1; kill -0 -${pgid} 2>/dev/null || exit 0; i=$((i+1)); done; ` +
    `kill -KILL -${pgid} 2>/dev/null; exit 0`;
  return become ? `${sudoPrefix(become)} sh -c ${shellQuote(script)}` : `sh -c ${shellQuote(script)}`;
}

/** Text that goes before the caller's stdin: the sudo password line, when there is one. */
export function stdinPreamble(become?: BecomeMode): string | undefined {
  return become?.password !== undefined ? `${become.password}\n` : undefined;
}
