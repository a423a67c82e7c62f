import { spawn } from 'node:child_process';
import { openSync, closeSync, existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fqdn, labPaths, netnsName } from './names.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a host: `ip netns exec` into its network namespace, then `unshare` gives it private
 * mount, UTS and PID namespaces, and the init script ends as `sshd -D` (the host's PID 1).
 * Returns the outer pids of unshare and of that PID 1.
 */
export async function startHost(lab: string, host: string): Promise<{ unsharePid: number; pid1: number }> {
  const p = labPaths(lab);
  const logFd = openSync(join(p.logDir, `${host}-host.log`), 'a');
  const child = spawn(
    'ip',
    [
      'netns', 'exec', netnsName(lab, host),
      // --kill-child: if unshare dies, the host dies with it instead of living on unrecorded.
      'unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--propagation', 'private',
      '/bin/sh', p.initScript, p.host(host), fqdn(host), p.dir,
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  child.unref();
  const unsharePid = child.pid;
  if (!unsharePid) throw new Error(`could not start host ${host}`);
  // `ip netns exec` execs unshare in place, so the spawned pid is unshare's; its only child is PID 1.
  for (let i = 0; i < 100; i++) {
    const kids = childrenOf(unsharePid);
    if (kids.length > 0) return { unsharePid, pid1: kids[0]! };
    if (!existsSync(`/proc/${unsharePid}`) || child.exitCode !== null) break;
    await sleep(20);
  }
  throw new Error(`host ${host} did not start (see ${join(p.logDir, `${host}-host.log`)})`);
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Waits until the host's sshd accepts TCP connections on its address. */
export async function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** True when `pid` is alive, runs `expect` and lives in the lab host's network namespace. */
export function isHostProcess(pid: number | undefined, lab: string, host: string, expect: RegExp): boolean {
  if (!pid || !existsSync(`/proc/${pid}`)) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    if (!expect.test(cmd)) return false;
    const nsFile = `/run/netns/${netnsName(lab, host)}`;
    const nsIno = statSync(nsFile).ino;
    const procNs = readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026532...]"
    return procNs === `net:[${nsIno}]`;
  } catch {
    return false;
  }
}

/** Every process in the host's PID namespace (outer pids), found through /proc. */
export function hostPids(pid1: number | undefined): number[] {
  if (!pid1 || !existsSync(`/proc/${pid1}`)) return [];
  let pidNs: string;
  try {
    pidNs = readlinkSync(`/proc/${pid1}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/pid`) === pidNs) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * A host crash: SIGKILL to its PID 1 makes the kernel kill every process of the PID namespace.
 * Waits until they are all gone (and unshare has exited).
 */
export async function killHost(lab: string, host: string, pid1?: number, unsharePid?: number): Promise<void> {
  const pids = hostPids(pid1);
  if (isHostProcess(pid1, lab, host, /sshd|host-init/)) process.kill(pid1!, 'SIGKILL');
  // A busy ns-slapd can take a while to die on a loaded machine.
  const deadline = Date.now() + 60_000;
  while (pids.some((p) => existsSync(`/proc/${p}`) && !isZombie(p)) && Date.now() < deadline) await sleep(25);
  if (isHostProcess(unsharePid, lab, host, /unshare/)) {
    process.kill(unsharePid!, 'SIGKILL');
    while (existsSync(`/proc/${unsharePid}`) && Date.now() < deadline) await sleep(25);
  }
  // A process of a dying namespace can be caught between zombie and gone (many postgres backends
  // exit at once): look again until the deadline rather than report it as still running.
  const alive = () => [...pids, ...(unsharePid ? [unsharePid] : [])].filter((p) => existsSync(`/proc/${p}`) && !isZombie(p));
  while (alive().length > 0 && Date.now() < deadline) await sleep(25);
  const left = alive();
  if (left.length > 0) throw new Error(`host ${host}: processes ${left.join(', ')} still running after kill`);
}

/** Processes started for this lab that the state file may not know (a crash between spawn and record). */
export function strayLabProcesses(lab: string): number[] {
  const marker = `${labPaths(lab).dir}/host-init.sh`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(marker)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
