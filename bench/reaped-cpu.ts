/**
 * CPU seconds a process has collected from its children once they exited and were reaped
 * (/proc/<pid>/stat's cutime + cstime). For the bench's sshd: each connection's session process
 * (with internal-sftp and the commands it ran) adds its CPU there when it ends.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux (`getconf CLK_TCK`)

/** cutime + cstime in seconds from the text of /proc/<pid>/stat (the name in parentheses may hold spaces). */
export function reapedCpuSeconds(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  // After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime(16) cstime(17)
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error(`no cutime/cstime in ${stat.slice(0, 80)}`);
  return (cutime + cstime) / TICKS_PER_S;
}

export function reapedCpuOf(pid: number): number {
  return reapedCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Waits until pid has no child left (its sessions ended and were reaped), so their CPU is counted. */
export async function childrenReaped(pid: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '') {
    if (Date.now() > until) throw new Error(`process ${pid} still has children after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
