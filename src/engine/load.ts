import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Inventory, SecretRef } from '../inventory/types.ts';
import type { Playbook, Step } from '../playbook/types.ts';
import { allActions } from '../actions/registry.ts';
import { loadProfiles } from '../profiles/registry.ts';
import { InputError, InputErrors } from '../util/errors.ts';
import { MASK, registerSecret } from '../util/secrets.ts';
import { loadInventory, loadPlaybook, render, resolveParams, resolveSecret, selectHosts, templateMembers, templatesIn, templateVariables, validatePlaybook, whenMembers } from './deps.ts';
import { SecretCache } from './context.ts';
import { resolveDeclaredSecrets } from './declared-secrets.ts';
import { identityFileProblems } from '../inventory/identity-files.ts';
import { sameServerProblems } from '../inventory/same-server.ts';
import { ENGINE_NAMES } from './vars.ts';
import { laterQuestions, needsUpFrontAnswer } from './up-front.ts';
import { newRunState, stepVars, type RunState } from './vars.ts';

export interface LoadedRun {
  inventory: Inventory;
  playbook: Playbook;
  state: RunState;
  /** Params as run.json keeps them: secret ones as `***`. */
  recordedParams: Record<string, string>;
  playbookSha256: string;
  /** Inventory secrets, resolved once (before connecting) and sealed: actions get them from here. */
  secrets: SecretCache;
}

function isSecretRef(v: unknown): v is SecretRef {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 &&
    ['env', 'file', 'value'].some((k) => k in (v as object));
}

/**
 * The inventory secrets a playbook's steps name (`secrets.NAME`, `secrets['NAME']`), read from the
 * parsed templates and `when` expressions: a literal such as `{{ 'secrets.x' }}` or plain text names none.
 */
export function secretsNamedBy(steps: readonly Step[]): Set<string> {
  const out = new Set<string>();
  for (const { loc: _loc, locs: _locs, ...fields } of steps) {
    for (const t of templatesIn(fields)) for (const n of templateMembers(t, 'secrets')) out.add(n);
    if (fields.when) for (const n of whenMembers(fields.when, 'secrets')) out.add(n);
  }
  return out;
}

/**
 * Everything that can be checked without connecting: files, params, secrets, selectors, `--limit`,
 * confirmations. All problems come back together as InputErrors (exit 2) before any run dir exists.
 */
export async function loadRun(
  playbookFile: string,
  inventoryFile: string,
  given: Record<string, string>,
  o: { limit?: string; resolveSecrets: boolean; needConfirmation?: boolean; doneSteps?: Set<number> },
): Promise<LoadedRun> {
  const [inventory, playbook] = await Promise.all([loadInventory(inventoryFile), loadPlaybook(playbookFile), loadProfiles()]);
  validatePlaybook(playbook, inventory, given, allActions(inventory.profile), { runtimeNames: [...ENGINE_NAMES] });
  const errors: InputError[] = [];

  const params = resolveParams(playbook, given);
  const recordedParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const spec = playbook.params[name];
    let v = value;
    // A param default may point at a secret ({ env: NAME }): resolved for a run, masked in a plan.
    if (isSecretRef(v)) {
      try {
        v = o.resolveSecrets ? await resolveSecret(v, `param ${name}`) : MASK;
      } catch (e) {
        errors.push(e instanceof InputError ? e : new InputError((e as Error).message));
        continue;
      }
    }
    if (spec?.secret && typeof v === 'string') registerSecret(v);
    params[name] = v;
    recordedParams[name] = spec?.secret ? MASK : typeof v === 'string' ? v : JSON.stringify(v);
  }

  // Secrets the steps name as `secrets.NAME`: resolved now, so a missing env var fails before any change.
  const cache = new SecretCache(inventory);
  const secrets: Record<string, string> = {};
  for (const name of secretsNamedBy(playbook.steps)) {
    if (!cache.has(name)) {
      errors.push(new InputError(`the playbook uses secrets.${name} but the inventory has no secret "${name}"`));
      continue;
    }
    cache.declare(name);
    if (!o.resolveSecrets) secrets[name] = MASK;
    else {
      try {
        secrets[name] = await cache.get(name);
      } catch (e) {
        errors.push(e instanceof InputError ? e : new InputError((e as Error).message));
      }
    }
  }

  const state = newRunState(inventory, params, secrets);
  // Secrets the actions declare in their ArgSpec tables (the DM password of instance.create, ...).
  errors.push(...(await resolveDeclaredSecrets(playbook, inventory.profile, stepVars(state), cache, { resolve: o.resolveSecrets, skip: o.doneSteps })));
  if (o.resolveSecrets) errors.push(...(await becomePasswords(inventory)));
  if (o.limit) {
    try {
      state.runHosts = selectHosts(inventory, 'all', o.limit).map((h) => h.name);
      if (state.runHosts.length === 0) errors.push(new InputError(`--limit ${o.limit} matches no host`));
    } catch (e) {
      errors.push(e instanceof InputError ? e : new InputError((e as Error).message));
    }
  }
  // The private keys the run connects with: a missing or too open one is bad input, not a failed step.
  if (o.resolveSecrets) errors.push(...(await identityFileProblems(inventory, state.runHosts)), ...(await sameServerProblems(inventory, state.runHosts)));
  // Selectors that only use params can be checked now; ones using registered outputs or facts wait.
  const known = new Set(Object.keys(stepVars(state)));
  for (const step of playbook.steps) {
    if (!templateVariables(step.on).every((r) => known.has(r))) continue;
    try {
      selectHosts(inventory, render(step.on, stepVars(state)));
    } catch (e) {
      errors.push(new InputError(`step ${step.index + 1} "${step.name}": ${(e as Error).message}`, step.loc));
    }
  }
  if (o.needConfirmation) {
    if (needsUpFrontAnswer(playbook, inventory.profile, o.doneSteps)) {
      errors.push(new InputError(`${playbook.name || playbook.file} asks for confirmation before it changes anything and there is no terminal to ask: re-run with --yes to confirm it in advance`));
    }
    for (const step of laterQuestions(playbook, o.doneSteps)) {
      errors.push(new InputError(`step ${step.index + 1} "${step.name}" needs confirmation and there is no terminal to ask: re-run with --yes to confirm it in advance`, step.loc));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputErrors(errors);
  const playbookSha256 = createHash('sha256').update(await readFile(playbook.file)).digest('hex');
  return { inventory, playbook, state, recordedParams, playbookSha256, secrets: cache };
}

/** sudo passwords (`ssh.become_password`) are secrets too: resolved before the first connection. */
async function becomePasswords(inventory: Inventory): Promise<InputError[]> {
  const errors: InputError[] = [];
  for (const h of inventory.hosts) {
    if (!h.ssh.become || !h.ssh.becomePassword) continue;
    try {
      await resolveSecret(h.ssh.becomePassword, `become password of ${h.name}`);
    } catch (e) {
      errors.push(e instanceof InputError ? e : new InputError((e as Error).message));
    }
  }
  return errors;
}
