import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "Adding a profile touches its folder, the registry lines and the README": no file outside the
 * profile's own places may import it, and the profile imports no other profile's internals.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Files outside a profile's folder that may name it (its registry lines). */
const MAY_IMPORT_A_PROFILE = ['src/profiles/registry.ts', 'src/profiles/info.ts'];

/** The keytrustee profile's own places besides src/profiles/keytrustee/. */
const KTS_OWN = [/^src\/profiles\/keytrustee\//, /^playbooks\/keytrustee\//, /^test\/(unit|e2e)\/keytrustee/, /^bench\/keytrustee\.ts$/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]!);

describe('the keytrustee profile stays in its folder', () => {
  const all = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'test')), ...files(join(ROOT, 'bench'))].map((f) => relative(ROOT, f));

  it('only the registry lines (and its own tests and bench) import src/profiles/keytrustee', () => {
    const offenders = all.filter((f) => !KTS_OWN.some((re) => re.test(f)) && !MAY_IMPORT_A_PROFILE.includes(f) && importsOf(join(ROOT, f)).some((i) => i.includes('profiles/keytrustee')));
    expect(offenders).toEqual([]);
  });

  it('src/profiles/keytrustee imports no other profile and no 389ds action', () => {
    const own = all.filter((f) => f.startsWith('src/profiles/keytrustee/'));
    expect(own.length).toBeGreaterThan(1);
    const bad = own.flatMap((f) => importsOf(join(ROOT, f)).filter((i) => /profiles\/(?!keytrustee)|\.\.\/(389ds|ipa|ciphertrust)\//.test(i)).map((i) => `${f}: ${i}`));
    expect(bad).toEqual([]);
  });
});
