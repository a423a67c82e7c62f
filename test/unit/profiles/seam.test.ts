/**
 * The files a profile may touch: adding a profile is its folder (src/profiles/<name>/), its
 * playbooks (playbooks/<name>/), one line in the profile list (src/profiles/info.ts) and the README.
 * So no module outside src/profiles/<name>/ imports that folder or points at playbooks/<name>/,
 * except the short list below, each with its reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILE_INFOS } from '../../../src/profiles/info.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The profile list: the one file that names every profile's module. */
const PROFILE_LIST = 'src/profiles/info.ts';

/**
 * Known exceptions, all on the 389ds folder. To shrink, never to grow: a new entry needs a reason
 * that the code cannot be fixed instead.
 */
const EXCEPTIONS: { files: RegExp; profile: string; why: string }[] = [
  {
    files: /^src\/profiles\/ipa\//,
    profile: '389ds',
    why: 'IdM runs 389-ds underneath: ipa builds on the 389ds LDAP helpers, host vars and host steps, and registers the 389ds actions (declared: reusesPlaybooksOf 389ds)',
  },
  {
    files: /^bench\/(restore|reinit-p2)\.ts$/,
    profile: '389ds',
    why: 'the restore bench (and its P2 part) measures one 389-ds data-loss recovery on a lab, damaging and reading the servers (their errors log) with the 389ds rehearsal helpers; a bench, not product code',
  },
  {
    files: /^src\/dr\/gather\.ts$/,
    profile: '389ds',
    why: 'the dr check predates the seam: it gathers the replication facts of any LDAP-backed profile (389ds, ipa) with the 389ds LDAP helpers',
  },
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** The repo paths a file's module specifiers and `new URL('…', import.meta.url)` resolve to. */
function targetsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/from\s+'(\.[^']+)'|import\('(\.[^']+)'\)|new URL\('(\.[^']+)',\s*import\.meta\.url\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => relative(ROOT, resolve(join(ROOT, dirname(file)), s)));
}

const SRC = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'bench'))].map((f) => relative(ROOT, f));
const names = PROFILE_INFOS.map((p) => p.name);

/** `file -> target` for each place outside profile P's folder that reaches into P's folder or playbooks. */
function reachesInto(profile: string): string[] {
  const own = (p: string) => p.startsWith(`src/profiles/${profile}/`) || p.startsWith(`playbooks/${profile}/`) || p === `playbooks/${profile}`;
  return SRC.filter((f) => !f.startsWith(`src/profiles/${profile}/`) && f !== PROFILE_LIST).flatMap((f) =>
    targetsOf(f)
      .filter(own)
      .map((t) => `${f} -> ${t}`),
  );
}

describe('the files a profile may touch', () => {
  it('the profile list names every profile folder, and a profile folder exists for each', () => {
    expect(names).toEqual(['389ds', 'ipa', 'keytrustee', 'ciphertrust']);
    const listed = targetsOf(PROFILE_LIST);
    for (const n of names) expect(listed).toContain(`src/profiles/${n}/info.ts`);
  });

  for (const profile of ['389ds', 'ipa', 'keytrustee', 'ciphertrust']) {
    it(`nothing outside src/profiles/${profile}/ and the profile list reaches into it or playbooks/${profile}/ (but the listed exceptions)`, () => {
      const offenders = reachesInto(profile).filter((line) => !EXCEPTIONS.some((e) => e.profile === profile && e.files.test(line.split(' -> ')[0]!)));
      expect(offenders).toEqual([]);
    });
  }

  it('every exception is still needed (a fixed one is removed from the list)', () => {
    for (const e of EXCEPTIONS) expect(reachesInto(e.profile).some((line) => e.files.test(line.split(' -> ')[0]!)), e.why).toBe(true);
    // Each file an exception on 389ds names outside ipa/ still reaches into 389ds: the list stays exact.
    const legacy = SRC.filter((f) => EXCEPTIONS.some((e) => e.profile === '389ds' && !e.files.test('src/profiles/ipa/') && e.files.test(f)));
    expect(legacy.every((f) => reachesInto('389ds').some((l) => l.startsWith(`${f} -> `)))).toBe(true);
  });

  it('the check sees a reach-in (it would flag src/profiles/389ds/index.ts if ipa did not own the exception)', () => {
    expect(reachesInto('389ds').some((l) => l.startsWith('src/profiles/ipa/index.ts -> src/profiles/389ds/index.ts'))).toBe(true);
    expect(targetsOf('src/profiles/389ds/info.ts')).toContain('playbooks/389ds');
  });
});
