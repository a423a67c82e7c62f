import { createHash } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LockHeldError } from '../util/errors.ts';

/** What a lock file holds: enough to tell the operator who holds it and to detect a dead holder. */
export interface LockInfo {
  pid: number;
  hostname: string;
  runId: string;
  started: string;
  inventory: string;
}

export interface HeldLock {
  file: string;
  info: LockInfo;
  release(): Promise<void>;
}

/** One lock per inventory file: two runs must never act on the same cluster at once. */
export function lockFileFor(stateDir: string, inventoryFile: string): string {
  const key = createHash('sha256').update(resolve(inventoryFile)).digest('hex').slice(0, 16);
  return join(stateDir, 'locks', `${key}.lock`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Takes the inventory's lock (created with `wx`, so exactly one taker wins). A lock left by a dead
 * process on this machine is stale: it is taken over, and `onStale` tells the operator.
 */
export async function acquireLock(
  stateDir: string,
  inventoryFile: string,
  runId: string,
  onStale: (message: string) => void,
): Promise<HeldLock> {
  const file = lockFileFor(stateDir, inventoryFile);
  await mkdir(join(stateDir, 'locks'), { recursive: true });
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    runId,
    started: new Date().toISOString(),
    inventory: resolve(inventoryFile),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(JSON.stringify(info) + '\n');
      await fh.sync();
      await fh.close();
      return {
        file,
        info,
        release: async () => {
          const now = await readLock(file);
          if (now && now.pid === info.pid && now.runId === info.runId) await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readLock(file);
    if (!held) {
      // Half-written or corrupt: its writer died between open and write.
      onStale(`lock ${file} is unreadable; taking it over`);
    } else if (held.hostname !== hostname()) {
      throw new LockHeldError(
        `inventory ${info.inventory} is locked by run ${held.runId} (pid ${held.pid} on ${held.hostname}, since ${held.started}); ` +
          `if that host is gone, remove ${file}`,
      );
    } else if (isAlive(held.pid)) {
      throw new LockHeldError(
        `inventory ${info.inventory} is locked by run ${held.runId} (pid ${held.pid}, since ${held.started}); wait for it to finish`,
      );
    } else {
      onStale(`stale lock of run ${held.runId} (pid ${held.pid} is gone, since ${held.started}); taking it over`);
    }
    await unlink(file).catch(() => undefined);
  }
  throw new LockHeldError(`could not take lock ${file}: another run keeps taking it`);
}
