import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../util/errors.ts';
import { createHost, setKnownHost, stopHost } from './hosts.ts';
import { checkLabName, hostIndex, labPaths } from './names.ts';
import { netnsExists, setLink } from './network.ts';
import { readState, writeState, type LabHostState, type LabState } from './state.ts';
import { isHostProcess } from './host-process.ts';

export class NoLabError extends InputError {
  constructor(lab: string) {
    super(`no lab "${lab}" (start one with \`lifeboat lab up --name ${lab}\`)`);
  }
}

export async function loadLab(name: string): Promise<LabState> {
  checkLabName(name);
  const state = await readState(name);
  if (!state) throw new NoLabError(name);
  return state;
}

export function findHost(state: LabState, host: string): LabHostState {
  hostIndex(host);
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new InputError(`lab "${state.name}" has no host ${host} (it has ${state.hosts.map((x) => x.name).join(', ')})`);
  return h;
}

/**
 * Server loss: every process of the host dies at once (SIGKILL to its PID 1 ends its PID
 * namespace) and its data directories are deleted. The network namespace stays, so `lab revive`
 * can bring back an empty host at the same address.
 */
export async function labKill(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  const h = findHost(state, host);
  await stopHost(state, h);
  await rm(labPaths(name).host(h.name), { recursive: true, force: true });
  h.killed = true;
  await writeState(state);
}

/**
 * A rebuilt server: the killed (or running) host comes back empty, with a new SSH host key. The
 * lab's own known_hosts gets the new key unless `keepKnownHosts` (to rehearse a changed key).
 */
export async function labRevive(name: string, host: string, opts: { keepKnownHosts?: boolean } = {}): Promise<{ hostKeyLine: string }> {
  const state = await loadLab(name);
  const h = findHost(state, host);
  if (isHostProcess(h.pid1, name, h.name, /sshd/)) await stopHost(state, h);
  const log = join(labPaths(name).logDir, 'revive.log');
  const hostKeyLine = await createHost(state, h, log, { network: !(await netnsExists(h.netns)) });
  if (!opts.keepKnownHosts) await setKnownHost(name, h.name, hostKeyLine);
  return { hostKeyLine };
}

/** Network partition: the host's bridge port goes down; its processes keep running. */
export async function labCut(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  await setLink(name, findHost(state, host).name, false);
}

export async function labUncut(name: string, host: string): Promise<void> {
  const state = await loadLab(name);
  await setLink(name, findHost(state, host).name, true);
}

export interface LabExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command inside the host's namespaces (mount, UTS, network, PID) with nsenter. With
 * `inherit` the command shares this terminal; otherwise its output is returned.
 */
export async function labExec(name: string, host: string, argv: string[], opts: { inherit?: boolean; input?: string } = {}): Promise<LabExecResult> {
  const state = await loadLab(name);
  const h = findHost(state, host);
  if (!isHostProcess(h.pid1, name, h.name, /sshd/)) throw new InputError(`lab host ${host} is not running${h.killed ? ' (killed; `lab revive` brings it back)' : ''}`);
  if (argv.length === 0) throw new InputError('lab exec needs a command after --');
  const args = ['-t', String(h.pid1), '-m', '-u', '-n', '-p', '--', ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', args, { stdio: opts.inherit ? 'inherit' : ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    }
  });
}
