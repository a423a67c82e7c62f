import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/** `~` expands to the home directory; a relative path is taken from the inventory's directory. */
export function resolvePath(path: string, baseDir: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
