/** OpenSSH host patterns: `*` any run of characters, `?` one character, case-insensitive. */
export function matchHostPattern(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** A comma- or space-separated pattern list with `!negation`: a negated match wins. */
export function matchPatternList(patterns: string[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchHostPattern(p.slice(1), name)) return false;
    } else if (matchHostPattern(p, name)) matched = true;
  }
  return matched;
}
