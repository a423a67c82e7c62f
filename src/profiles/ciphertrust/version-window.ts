/**
 * Which CipherTrust Manager release may restore a backup of which release (seed 003, "Release
 * compatibility"): the same release or the next three minor releases; a backup of an LTS release
 * also on the next two LTS releases; never an older release; `force` (ksctl `--force`) opens every
 * later release, never an earlier one.
 */

export interface Release {
  major: number;
  minor: number;
}

export type WindowVerdict =
  | { ok: true; forced: boolean; reason: string }
  | { ok: false; reason: string };

/** `2.11`, `2.11.3`, `2.11.0+1234` → { major 2, minor 11 }; anything else is undefined. */
export function parseRelease(text: string): Release | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

const same = (a: Release, b: Release) => a.major === b.major && a.minor === b.minor;
const older = (a: Release, b: Release) => a.major < b.major || (a.major === b.major && a.minor < b.minor);
const fmt = (r: Release) => `${r.major}.${r.minor}`;

function must(text: string, what: string): Release {
  const r = parseRelease(text);
  if (!r) throw new Error(`${what} ${JSON.stringify(text)} is not a release number like 2.11 or 2.11.3`);
  return r;
}

/**
 * The verdict for restoring a backup taken on `backup` onto a node running `target`.
 * `lts` lists the LTS releases the site knows of (any order); it only widens the window.
 */
export function restoreWindow(backup: string, target: string, opts: { force?: boolean; lts?: string[] } = {}): WindowVerdict {
  const b = must(backup, 'backup release');
  const t = must(target, 'target release');
  const lts = (opts.lts ?? []).map((x) => must(x, 'LTS release'));
  if (older(t, b)) return { ok: false, reason: `a backup of ${fmt(b)} cannot be restored on the older release ${fmt(t)}: backward compatibility is not supported, not even with force` };
  if (same(b, t)) return { ok: true, forced: false, reason: `same release ${fmt(b)}` };
  if (t.major === b.major && t.minor - b.minor <= 3) return { ok: true, forced: false, reason: `${fmt(t)} is within the next three minor releases of ${fmt(b)}` };
  if (lts.some((x) => same(x, b)) && lts.some((x) => same(x, t))) {
    const later = lts.filter((x) => older(b, x)).sort((x, y) => x.major - y.major || x.minor - y.minor);
    const rank = later.findIndex((x) => same(x, t));
    if (rank >= 0 && rank < 2) return { ok: true, forced: false, reason: `${fmt(t)} is ${rank === 0 ? 'the next' : 'the second next'} LTS release after the LTS release ${fmt(b)}` };
  }
  const outside = `${fmt(t)} is outside the restore window of a ${fmt(b)} backup (the next three minor releases${lts.some((x) => same(x, b)) ? ' and the next two LTS releases' : ''})`;
  if (opts.force) return { ok: true, forced: true, reason: `${outside}; restoring anyway because force is set (the vendor advises consulting support first)` };
  return { ok: false, reason: `${outside}; set force: true to override` };
}
