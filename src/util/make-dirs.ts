import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.ts';
import { fileReason } from './file-reason.ts';

/**
 * `mkdir -p` that fails fast: Node's recursive mkdir loops forever on some paths it cannot create
 * (`--state-dir /proc/x` spun at 100 % CPU). Walks up to the nearest existing directory, then
 * creates each missing level once; any problem is an InputError naming the path (exit 2).
 */
export async function makeDirs(dir: string, what: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  for (let cur = resolve(dir); ; ) {
    try {
      const s = await stat(cur);
      if (!s.isDirectory()) throw new InputError(`${what}: ${cur} is not a directory`);
      break;
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new InputError(`${what}: cannot use ${cur} (${fileReason(e)})`);
      missing.unshift(cur);
      const up = dirname(cur);
      if (up === cur) break;
      cur = up;
    }
  }
  for (const d of missing) {
    try {
      await mkdir(d, { mode });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new InputError(`${what}: cannot create ${d} (${fileReason(e)})`);
    }
  }
}
