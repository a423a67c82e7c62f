import type { Action, ArgSpec } from '../actions/types.ts';

/**
 * Fills defaults, checks required arguments and coerces templated strings to the declared type
 * (a template always renders to a string: `"{{ port }}"` must still reach the action as a number).
 * Throws an Error naming the argument; the caller adds step and host.
 */
export function applyArgSpec(action: Action, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  for (const [name, spec] of Object.entries(action.args)) {
    let v = out[name];
    if (v === undefined || v === null) {
      if (spec.default !== undefined) v = structuredClone(spec.default);
      else if (spec.required) throw new Error(`${action.name}: argument "${name}" is required`);
      else continue;
    }
    out[name] = coerce(action.name, name, spec, v);
  }
  return out;
}

function coerce(action: string, name: string, spec: ArgSpec, v: unknown): unknown {
  const bad = (want: string) => new Error(`${action}: argument "${name}" must be ${want}, got ${JSON.stringify(v)}`);
  switch (spec.type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw bad('a string');
    case 'number':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw bad('a number');
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'yes') return true;
      if (v === 'false' || v === 'no' || v === '') return false;
      throw bad('true or false');
    case 'string[]':
      if (Array.isArray(v)) return v.map(String);
      if (typeof v === 'string') return v === '' ? [] : [v];
      throw bad('a list of strings');
    case 'object':
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      throw bad('a mapping');
    default:
      return v;
  }
}
