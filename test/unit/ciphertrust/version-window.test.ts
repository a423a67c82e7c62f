/** Every example of seed 003 "Release compatibility", and the edges around them. */
import { describe, expect, it } from 'vitest';
import { parseRelease, restoreWindow } from '../../../src/profiles/ciphertrust/version-window.ts';

const LTS = ['2.11', '2.17', '2.20', '2.25']; // the seed's four LTS releases

type Row = [backup: string, target: string, force: boolean, lts: string[], expected: 'yes' | 'forced' | 'no'];
const table: Row[] = [
  // "a backup of release 2.11 can be restored to 2.12, 2.13, and 2.14 instances"
  ['2.11', '2.11', false, [], 'yes'],
  ['2.11', '2.12', false, [], 'yes'],
  ['2.11', '2.13', false, [], 'yes'],
  ['2.11', '2.14', false, [], 'yes'],
  // "A --force option can override this restriction"
  ['2.11', '2.15', false, [], 'no'],
  ['2.11', '2.15', true, [], 'forced'],
  ['2.11', '3.0', false, [], 'no'],
  ['2.11', '3.0', true, [], 'forced'],
  // "a backup of release 2.10 cannot be restored to a 2.9 instance" — force does not help
  ['2.10', '2.9', false, [], 'no'],
  ['2.10', '2.9', true, [], 'no'],
  ['3.0', '2.20', true, [], 'no'],
  // LTS 2.11, 2.17, 2.20, 2.25: 2.11 → 2.12..2.14 and the next two LTS 2.17 and 2.20
  ['2.11', '2.12', false, LTS, 'yes'],
  ['2.11', '2.14', false, LTS, 'yes'],
  ['2.11', '2.17', false, LTS, 'yes'],
  ['2.11', '2.20', false, LTS, 'yes'],
  ['2.11', '2.25', false, LTS, 'no'], // third LTS after
  ['2.11', '2.25', true, LTS, 'forced'],
  ['2.11', '2.16', false, LTS, 'no'], // not LTS, beyond three minors
  ['2.11', '2.18', false, LTS, 'no'],
  ['2.17', '2.20', false, LTS, 'yes'],
  ['2.17', '2.25', false, LTS, 'yes'],
  ['2.12', '2.17', false, LTS, 'no'], // 2.12 is not LTS: only the minor window applies
  ['2.11', '2.17', false, [], 'no'], // without the LTS list, 2.17 is six minors on
  // patch levels do not matter
  ['2.11.2', '2.14.0', false, [], 'yes'],
  ['2.14.1', '2.14.0', false, [], 'yes'],
];

describe('restoreWindow', () => {
  it.each(table)('%s → %s (force %s, LTS %j): %s', (backup, target, force, lts, expected) => {
    const v = restoreWindow(backup, target, { force, lts });
    if (expected === 'no') expect(v.ok).toBe(false);
    else expect(v).toMatchObject({ ok: true, forced: expected === 'forced' });
  });

  it('explains a refusal: older release, and the window with the way out', () => {
    expect(restoreWindow('2.10', '2.9', { force: true }).reason).toMatch(/older release 2\.9.*not even with force/);
    expect(restoreWindow('2.11', '2.15').reason).toMatch(/outside the restore window.*force: true/);
    expect(restoreWindow('2.11', '2.25', { lts: LTS }).reason).toMatch(/next two LTS releases/);
  });

  it('refuses what is not a release number', () => {
    expect(parseRelease('2.x')).toBeUndefined();
    expect(parseRelease('v2.16.0+8123')).toEqual({ major: 2, minor: 16 });
    expect(() => restoreWindow('latest', '2.12')).toThrow(/backup release "latest"/);
  });
});
