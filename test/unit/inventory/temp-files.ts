import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory per test file; files written into it by name. */
export function tempDir(): { dir: string; write(name: string, text: string, mode?: number): string } {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-cfg-'));
  return {
    dir,
    write(name, text, mode = 0o644) {
      const file = join(dir, name);
      writeFileSync(file, text, { mode });
      return file;
    },
  };
}

/** The messages of an InputErrors (or the one message of another error) thrown by `fn`. */
export async function errorLines(fn: () => Promise<unknown> | unknown): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    const e = err as { errors?: { message: string }[]; message: string };
    return e.errors ? e.errors.map((x) => x.message) : [e.message];
  }
  throw new Error('expected an error, none was thrown');
}
