/**
 * The inventory and playbook readers share their YAML positions, suggestions, durations and bounds
 * through src/source/, below both: neither imports the other (a type import counts too), and
 * src/source imports neither. Checking a playbook against an inventory is the engine's job.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** Every file under src/<dir> with the src/ folder each of its relative imports lands in. */
function importedFolders(dir: string): { file: string; folder: string }[] {
  return files(join(ROOT, 'src', dir)).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)].map((m) => ({
      file: relative(ROOT, f),
      folder: relative(join(ROOT, 'src'), resolve(dirname(f), m[1] ?? m[2]!)).split('/')[0]!,
    })),
  );
}

const offenders = (dir: string, banned: string[]) => importedFolders(dir).filter((i) => banned.includes(i.folder)).map((i) => `${i.file} -> src/${i.folder}`);

it('src/inventory imports nothing from src/playbook or src/engine', () => {
  expect(importedFolders('inventory').some((i) => i.folder === 'source')).toBe(true);
  expect(offenders('inventory', ['playbook', 'engine'])).toEqual([]);
});

it('src/playbook imports nothing from src/inventory or src/engine', () => {
  expect(importedFolders('playbook').some((i) => i.folder === 'source')).toBe(true);
  expect(offenders('playbook', ['inventory', 'engine'])).toEqual([]);
});

it('src/source sits below both: it imports only src/util', () => {
  expect(importedFolders('source').filter((i) => !['source', 'util'].includes(i.folder)).map((i) => `${i.file} -> src/${i.folder}`)).toEqual([]);
});
