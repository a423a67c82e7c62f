import type { ParamSpec, Playbook, SourceLocation } from './types.ts';
import { InputError, InputErrors } from '../util/errors.ts';
import { MIN_SECRET_LENGTH, registerSecret } from '../util/secrets.ts';
import { didYouMean } from '../source/suggest.ts';

function paramType(spec: ParamSpec): NonNullable<ParamSpec['type']> | undefined {
  if (spec.type) return spec.type;
  const d = spec.default;
  if (typeof d === 'boolean') return 'boolean';
  if (typeof d === 'number') return 'number';
  if (Array.isArray(d)) return 'list';
  return undefined;
}

/** `-e key=value` gives text: read it as the param's type (from `type`, else from its default). */
function coerce(name: string, spec: ParamSpec, value: unknown): { value?: unknown; problem?: string } {
  if (typeof value !== 'string') return { value };
  const type = paramType(spec);
  if (type === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(value)) return { value: true };
    if (/^(false|no|off|0)$/i.test(value)) return { value: false };
    return { problem: `param ${name} must be true or false, got "${value}"` };
  }
  if (type === 'number') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? { value: n } : { problem: `param ${name} must be a number, got "${value}"` };
  }
  if (type === 'list') return { value: value.split(',').map((s) => s.trim()).filter((s) => s !== '') };
  return { value };
}

/**
 * Applies defaults and types to the params given with `-e`, reporting missing required params and
 * unknown names into `errors` (located at the playbook's params). Secret params get registered.
 */
export function collectParams(pb: Playbook, given: Record<string, unknown>, errors: InputError[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fallback: SourceLocation = pb.locs?.params ?? pb.locs?.name ?? { file: pb.file, line: 1, col: 1 };
  const names = Object.keys(pb.params);
  for (const key of Object.keys(given)) {
    if (pb.params[key]) continue;
    const takes = names.length > 0 ? `; this playbook takes: ${names.join(', ')}` : '; this playbook takes no params';
    errors.push(new InputError(`unknown param "${key}" given with -e${didYouMean(key, names)}${takes}`, fallback));
  }
  for (const [name, spec] of Object.entries(pb.params)) {
    const loc = pb.locs?.[`params.${name}`] ?? fallback;
    if (Object.prototype.hasOwnProperty.call(given, name)) {
      const { value, problem } = coerce(name, spec, given[name]);
      if (problem) errors.push(new InputError(spec.secret ? `param ${name} does not fit its type ${spec.type ?? ''} (its value is secret and not shown)` : problem, loc));
      else if (spec.secret && typeof value === 'string' && value.length > 0 && value.length < MIN_SECRET_LENGTH) {
        // registerSecret cannot mask it (it would mask ordinary words too): refuse rather than leak.
        errors.push(new InputError(`param ${name} is secret and shorter than ${MIN_SECRET_LENGTH} characters, too short to be masked in output; refused`, loc));
      } else {
        out[name] = value;
        if (spec.secret && typeof value === 'string') registerSecret(value);
      }
    } else if (spec.default !== undefined) out[name] = spec.default;
    else if (spec.required) errors.push(new InputError(`missing required param "${name}" (give it with -e ${name}=…)`, loc));
  }
  return out;
}

/** Params with defaults applied and types read; throws InputErrors for missing or unknown ones. */
export function resolveParams(pb: Playbook, given: Record<string, unknown>): Record<string, unknown> {
  const errors: InputError[] = [];
  const values = collectParams(pb, given, errors);
  if (errors.length > 0) throw new InputErrors(errors);
  return values;
}
