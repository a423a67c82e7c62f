import { getAction } from '../actions/registry.ts';
import type { Playbook, Step } from '../playbook/types.ts';
import { InputError } from '../util/errors.ts';
import type { SecretCache } from './context.ts';
import { renderDeep, resolveSecret } from './deps.ts';

/** One secret a step's action declares in its ArgSpec table, with where the step names it. */
interface Need {
  step: Step;
  action: string;
  arg: string;
  source: 'inventory' | 'env' | 'file';
  name: string;
  /** The name is the action's default and the action does without when the inventory lacks it. */
  optional: boolean;
}

/** The secrets each step's action (and undo) may need, read from the ArgSpec tables and the step's `with`. */
function needs(playbook: Playbook, profile: string, vars: Record<string, unknown>, skip: Set<number>): Need[] {
  const out: Need[] = [];
  for (const step of playbook.steps) {
    if (skip.has(step.index)) continue;
    for (const [doName, args] of [[step.do, step.with], [step.undo?.do, step.undo?.with ?? {}]] as const) {
      const action = doName ? getAction(doName, profile) : undefined;
      if (!action) continue;
      for (const [arg, spec] of Object.entries(action.args)) {
        if (!spec.secretSource) continue;
        const given = args[arg];
        let value: unknown;
        try {
          value = given === undefined ? spec.default : renderDeep(given, vars);
        } catch {
          continue; // templated from something only the run knows: resolved when the step runs
        }
        if (typeof value !== 'string' || value === '') continue;
        out.push({ step, action: action.name, arg, source: spec.secretSource, name: value, optional: given === undefined && !!spec.secretOptional });
      }
    }
  }
  return out;
}

/**
 * Resolves, before anything connects, every secret the steps' actions declare (ArgSpec
 * `secretSource`): a missing inventory secret, an unset environment variable or an unreadable file
 * stops the run with exit 2 naming the secret, the step and the variable or file. `plan`
 * (resolve = false) checks only that inventory secrets exist. Then seals the cache: an action
 * asking for a secret it did not declare fails instead of resolving it late.
 */
export async function resolveDeclaredSecrets(
  playbook: Playbook,
  profile: string,
  vars: Record<string, unknown>,
  cache: SecretCache,
  o: { resolve: boolean; skip?: Set<number> },
): Promise<InputError[]> {
  const errors: InputError[] = [];
  const seen = new Set<string>();
  for (const n of needs(playbook, profile, vars, o.skip ?? new Set())) {
    const where = `step ${n.step.index + 1} "${n.step.name}": ${n.action} argument ${n.arg}`;
    const loc = n.step.locs?.[`with.${n.arg}`] ?? n.step.loc;
    const key = `${n.source}:${n.name}`;
    if (seen.has(key)) continue;
    try {
      if (n.source === 'inventory') {
        if (!cache.has(n.name)) {
          if (!n.optional) errors.push(new InputError(`${where} needs the inventory secret "${n.name}", and the inventory has no secret "${n.name}" (secrets: ${cache.names().join(', ') || 'none'})`, loc));
          continue;
        }
        cache.declare(n.name);
        if (o.resolve) await cache.get(n.name);
      } else if (o.resolve) {
        await resolveSecret(n.source === 'env' ? { env: n.name } : { file: n.name }, where);
      }
      seen.add(key);
    } catch (e) {
      // One error per secret: a second step needing the same unset variable adds nothing to fix.
      seen.add(key);
      const why = (e as Error).message;
      // resolveSecret already starts its message with `where`: say it once.
      errors.push(new InputError(why.startsWith(where) ? why : `${where}: ${why}`, loc));
    }
  }
  if (o.resolve) cache.seal();
  return errors;
}
