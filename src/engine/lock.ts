import { createHash, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { link, mkdir, open, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LockHeldError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

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

/**
 * Locks live in one per-user directory, not under `--state-dir` or the working directory: two runs
 * on one inventory started from two directories (or with two state dirs) must see the same lock.
 * `LIFEBOAT_LOCK_DIR` moves it (tests); otherwise `$XDG_STATE_HOME/lifeboat/locks`.
 */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_LOCK_DIR) return resolve(env.LIFEBOAT_LOCK_DIR);
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'lifeboat', 'locks');
}

/** The inventory's real absolute path: `./inv.yaml`, `../x/inv.yaml` and a symlink to it are one key. */
function inventoryKey(inventoryFile: string): string {
  try {
    return realpathSync(inventoryFile);
  } catch {
    return resolve(inventoryFile);
  }
}

/** One lock per inventory file: two runs must never act on the same cluster at once. */
export function lockFileFor(inventoryFile: string, lockDir: string = defaultLockDir()): string {
  const key = createHash('sha256').update(inventoryKey(inventoryFile)).digest('hex').slice(0, 16);
  return join(lockDir, `${key}.lock`);
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

async function readRaw(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parse(raw: string | undefined): LockInfo | undefined {
  try {
    const v = raw === undefined ? undefined : (JSON.parse(raw) as LockInfo);
    return v && typeof v.pid === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A takeover mutex older than this was left by a taker that died holding it. */
const STALE_MUTEX_MS = 10_000;

/** Creates `file` with `text` in one step (written aside, then hard-linked): never half-written, fails if it exists. */
async function createWhole(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Removes a stale lock, atomically with respect to other takers: under a takeover mutex (mkdir is
 * atomic), and only if the lock still holds exactly what was judged stale. A taker that lost the
 * race finds the winner's fresh lock instead, and reports it as held.
 */
async function removeIfUnchanged(file: string, judged: string | undefined): Promise<boolean> {
  const mutex = `${file}.takeover`;
  try {
    await mkdir(mutex, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = await stat(mutex).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > STALE_MUTEX_MS) await rmdir(mutex).catch(() => undefined);
    return false;
  }
  try {
    if ((await readRaw(file)) !== judged) return false;
    await unlink(file).catch(() => undefined);
    return true;
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
}

/**
 * Takes the inventory's lock. Exactly one taker wins, also when several find the same stale lock
 * (one left by a dead process on this machine): that one is taken over and `onStale` tells the
 * operator. A live holder is LockHeldError (exit 4).
 */
export async function acquireLock(
  lockDir: string,
  inventoryFile: string,
  runId: string,
  onStale: (message: string) => void,
): Promise<HeldLock> {
  const file = lockFileFor(inventoryFile, lockDir);
  await makeDirs(lockDir, 'lock directory');
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    runId,
    started: new Date().toISOString(),
    inventory: inventoryKey(inventoryFile),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await createWhole(file, JSON.stringify(info) + '\n');
      return {
        file,
        info,
        release: async () => {
          const now = parse(await readRaw(file));
          if (now && now.pid === info.pid && now.runId === info.runId) await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const raw = await readRaw(file);
    if (raw === undefined) continue; // released meanwhile: try again
    const held = parse(raw);
    let message: string;
    if (!held) message = `lock ${file} is unreadable; taking it over`;
    else if (held.hostname !== hostname()) {
      throw new LockHeldError(
        `inventory ${info.inventory} is locked by run ${held.runId} (pid ${held.pid} on ${held.hostname}, since ${held.started}); ` +
          `if that host is gone, remove ${file}`,
      );
    } else if (isAlive(held.pid)) {
      throw new LockHeldError(`inventory ${info.inventory} is locked by run ${held.runId} (pid ${held.pid}, since ${held.started}); wait for it to finish`);
    } else message = `stale lock of run ${held.runId} (pid ${held.pid} is gone, since ${held.started}); taking it over`;
    if (await removeIfUnchanged(file, raw)) onStale(message);
    else await sleep(10 + Math.random() * 40);
  }
  throw new LockHeldError(`could not take lock ${file}: another run keeps taking it`);
}
