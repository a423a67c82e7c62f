/** The ciphertrust profile stays in its folder: only the registry lines and its own tests import it, and it imports no other profile. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const OWN = [/^src\/profiles\/ciphertrust\//, /^test\/unit\/ciphertrust\//, /^test\/helpers\/ciphertrust-contract\.ts$/];
const REGISTRY = ['src/profiles/registry.ts', 'src/profiles/info.ts'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}
const importsOf = (f: string) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]!);
const all = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'test'))].map((f) => relative(ROOT, f));

it('only the registry lines and its own tests import src/profiles/ciphertrust', () => {
  const offenders = all.filter((f) => !OWN.some((re) => re.test(f)) && !REGISTRY.includes(f) && importsOf(f).some((i) => i.includes('profiles/ciphertrust')));
  expect(offenders).toEqual([]);
});

it('src/profiles/ciphertrust imports no other profile and no 389ds action', () => {
  const own = all.filter((f) => f.startsWith('src/profiles/ciphertrust/'));
  expect(own.length).toBeGreaterThan(10);
  const bad = own.flatMap((f) => importsOf(f).filter((i) => /profiles\/(?!ciphertrust)|actions\/389ds|\.\.\/(389ds|ipa|keytrustee)\//.test(i)).map((i) => `${f}: ${i}`));
  expect(bad).toEqual([]);
});
