/** What the live view needs from the terminal it draws on: colour choice and a usable width. */

/** A terminal that reports no width (0 or undefined) gets this many columns. */
export const FALLBACK_COLUMNS = 80;

/**
 * NO_COLOR (no-color.org) and FORCE_COLOR: FORCE_COLOR wins when both are set, as in Node.
 * ink colours through chalk, which reads only FORCE_COLOR; so NO_COLOR becomes FORCE_COLOR=0.
 * Must run before ink is imported (chalk decides once, at import).
 */
export function applyColorEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (env.FORCE_COLOR !== undefined) return;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') env.FORCE_COLOR = '0';
}

/** The terminal's width, or FALLBACK_COLUMNS when it reports none. */
export function columnsOf(out: NodeJS.WritableStream): number {
  const c = (out as { columns?: number }).columns;
  return typeof c === 'number' && c > 0 ? c : FALLBACK_COLUMNS;
}

/**
 * Some terminals (serial consoles, some multiplexer set-ups) report 0 columns; ink would then lay
 * out one character per line. Give such a stream a width, and keep it after a resize to 0.
 */
export function ensureWidth(out: NodeJS.WritableStream): void {
  const s = out as NodeJS.WritableStream & { columns?: number };
  const fix = () => {
    if (!(typeof s.columns === 'number' && s.columns > 0)) s.columns = FALLBACK_COLUMNS;
  };
  fix();
  // Listeners added before ink's own run first: ink reads the fixed width.
  s.on?.('resize', fix);
}
