/**
 * Every secret value the process resolves is registered here, so that anything written to a
 * terminal, a journal or an error can be passed through `mask()` first.
 */
const known = new Set<string>();

export const MASK = '***';

/** Shorter values would mask ordinary words: secrets that short are refused where they are read. */
export const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string): string {
  if (value.length >= MIN_SECRET_LENGTH) known.add(value);
  return value;
}

export function mask(text: string): string {
  if (known.size === 0 || !text) return text;
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** Masks every string inside a JSON-like value. */
export function maskDeep<T>(value: T): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v);
    return out as T;
  }
  return value;
}

export function forgetSecretsForTests(): void {
  known.clear();
}
