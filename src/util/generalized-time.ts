/**
 * LDAP GeneralizedTime, as directory servers write their timestamps. Here, not in a profile, because
 * journals of every profile's runs carry such times (src/rehearse/run-timings.ts reads them).
 */
/** GeneralizedTime `YYYYMMDDHHMMSSZ` -> epoch ms; undefined if unparsable. */
export function generalizedTimeMs(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(value ?? '');
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

