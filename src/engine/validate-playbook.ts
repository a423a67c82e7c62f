import type { Action, ArgSpec } from '../actions/types.ts';
import type { Inventory } from '../inventory/types.ts';
import type { Playbook, SourceLocation, Step } from '../playbook/types.ts';
import { InputError, InputErrors } from '../util/errors.ts';
import { selectHosts } from '../inventory/select.ts';
import { didYouMean } from '../source/suggest.ts';
import { collectParams } from '../playbook/params.ts';
import { isTemplated, render, templateNames, templatesIn } from '../playbook/template.ts';
import { whenNames } from '../playbook/when.ts';
import { confirmOrderProblems } from '../playbook/confirm-order.ts';


/**
 * The variables templates see before the run starts: inventory vars, an `inventory` summary,
 * then params (which win). The engine adds registered outputs and facts on top.
 */
export function playbookVars(inv: Inventory, params: Record<string, unknown>): Record<string, unknown> {
  return {
    ...inv.vars,
    inventory: { cluster: inv.cluster, profile: inv.profile, hosts: inv.hosts.map((h) => h.name), groups: inv.groups },
    ...params,
  };
}

/**
 * Names templates may use that only exist once the run is going (the engine sets them).
 * Registered outputs of earlier steps are allowed too.
 */
export const RUNTIME_NAMES = ['host', 'topology', 'facts'] as const;

export interface ValidateOptions {
  /** More names the engine provides at run time (facts), beyond RUNTIME_NAMES. */
  runtimeNames?: string[];
}

function typeProblem(spec: ArgSpec, value: unknown): string | undefined {
  if (typeof value === 'string' && isTemplated(value)) return undefined;
  const ok = (() => {
    switch (spec.type) {
      case 'any':
        return true;
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number';
      case 'boolean':
        return typeof value === 'boolean';
      case 'string[]':
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
    }
  })();
  if (ok) return undefined;
  const got = value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
  const expected = { string: 'a string', number: 'a number', boolean: 'true or false', 'string[]': 'a list of strings', object: 'a map', any: 'anything' }[spec.type];
  return `must be ${expected}, got ${got}`;
}

/**
 * Checks a loaded playbook against the inventory, the params given with -e and the actions that
 * exist: unknown actions and arguments (with the nearest name), missing or mistyped arguments,
 * selectors naming unknown hosts, groups or roles, missing required and unknown params, templates
 * using names nobody sets. Everything found is thrown at once as InputErrors, each with file:line:col.
 */
export function validatePlaybook(
  pb: Playbook,
  inv: Inventory,
  params: Record<string, unknown>,
  knownActions: Map<string, Action>,
  opts: ValidateOptions = {},
): void {
  const errors: InputError[] = [];
  const values = collectParams(pb, params, errors);
  // A host param already reported as wrong is not reported again at every selector that uses it.
  const badHosts = checkHostParams(pb, inv, values, errors);
  const usesBadHost = (text: string) => templateNames(text).some((n) => badHosts.has(n));
  const vars = playbookVars(inv, values);
  const secretParams = new Set(Object.entries(pb.params).filter(([, s]) => s.secret).map(([n]) => n));
  /** Names through which a template reaches a secret: `secrets.*` and the secret params. */
  const carriesSecret = (template: string) => templateNames(template).filter((n) => n === 'secrets' || secretParams.has(n));
  const staticNames = new Set(Object.keys(vars));
  const runtime = new Set<string>([...RUNTIME_NAMES, ...(opts.runtimeNames ?? [])]);
  const registers = new Map<string, number>();
  pb.steps.forEach((s) => s.register && !registers.has(s.register) && registers.set(s.register, s.index));
  const actionNames = [...knownActions.keys()];

  for (const step of pb.steps) {
    const label = `step ${step.index + 1} (${step.name})`;
    const at = (field: string): SourceLocation => step.locs?.[field] ?? step.loc;
    const fail = (field: string, message: string) => errors.push(new InputError(`${label}: ${message}`, at(field)));

    /** Reports names no one sets; true when every name is known before the run. */
    const checkNames = (field: string, names: string[]): boolean => {
      let allStatic = true;
      for (const name of names) {
        if (staticNames.has(name)) continue;
        allStatic = false;
        const setBy = registers.get(name);
        if (setBy !== undefined && setBy < step.index) continue;
        if (runtime.has(name)) continue;
        // A declared param with no value is reported once, as a missing param, not at every use.
        if (Object.hasOwn(pb.params, name)) continue;
        if (setBy !== undefined) fail(field, `"${name}" is registered by a later step (${setBy + 1}), not yet set here`);
        else fail(field, `unknown variable "${name}"${didYouMean(name, [...staticNames, ...registers.keys()])}`);
      }
      return allStatic;
    };

    const templateField = (field: string, template: string): boolean => checkNames(field, templateNames(template));

    // Selector: when it uses only params, render it now and check every name it gives.
    // A secret may only reach an argument that sends it on stdin or in a 0600 file (ArgSpec.secret).
    for (const [field, text] of [['on', step.on], ['from', step.from], ['confirm', typeof step.confirm === 'string' ? step.confirm : undefined]] as const) {
      const names = text ? carriesSecret(text) : [];
      if (names.length) fail(field, `${field} uses ${names.map(secretLabel).join(', ')}: a secret must not reach a host selector or a message`);
    }
    checkSecretArgs(step, 'with', step.do, step.with, knownActions, carriesSecret, fail);
    if (step.undo) checkSecretArgs(step, 'undo.with', step.undo.do, step.undo.with, knownActions, carriesSecret, fail);

    if (step.on && templateField('on', step.on) && !usesBadHost(step.on)) {
      try {
        const picked = selectHosts(inv, render(step.on, vars));
        if (picked.length === 0 && !step.allowEmpty) {
          fail('on', `on: "${render(step.on, vars)}" matches no host of ${inv.file}; add allow_empty: true to the step if that is expected`);
        }
      } catch (err) {
        if (err instanceof InputError) fail('on', `on: ${err.message}`);
        else throw err;
      }
    }
    if (step.from && templateField('from', step.from) && !usesBadHost(step.from)) {
      try {
        const root = render(step.from, vars);
        if (!inv.hosts.some((h) => h.name === root)) {
          fail('from', `from: unknown host "${root}"${didYouMean(root, inv.hosts.map((h) => h.name))}`);
        }
      } catch (err) {
        if (err instanceof InputError) fail('from', `from: ${err.message}`);
        else throw err;
      }
    }
    if (step.when) checkNames('when', whenNames(step.when));
    if (typeof step.confirm === 'string') templateField('confirm', step.confirm);

    checkAction(step, 'do', 'with', step.do, step.with, knownActions, actionNames, fail, checkNames);
    if (step.undo) checkAction(step, 'undo.do', 'undo.with', step.undo.do, step.undo.with, knownActions, actionNames, fail, checkNames);
    for (const [field, name] of [['do', step.do], ['undo.do', step.undo?.do]] as const) {
      const profiles = name ? knownActions.get(name)?.profiles : undefined;
      if (profiles && !profiles.includes(inv.profile)) {
        fail(field, `${name} is not available for profile "${inv.profile}" (inventory ${inv.file}); it works on: ${profiles.join(', ')}`);
      }
    }
  }

  errors.push(...confirmOrderProblems(pb, knownActions));
  if (errors.length > 0) {
    const key = (e: InputError) => (e.loc ? e.loc.line * 1e6 + e.loc.col : 0);
    throw new InputErrors([...errors].sort((a, b) => key(a) - key(b)));
  }
}

function checkAction(
  step: Step,
  doField: string,
  withField: string,
  name: string,
  args: Record<string, unknown>,
  knownActions: Map<string, Action>,
  actionNames: string[],
  fail: (field: string, message: string) => void,
  checkNames: (field: string, names: string[]) => boolean,
): void {
  for (const [key, value] of Object.entries(args)) {
    for (const t of templatesIn(value)) checkNames(`${withField}.${key}`, templateNames(t));
  }
  if (!name) return;
  const action = knownActions.get(name);
  if (!action) {
    fail(doField, `unknown action "${name}"${didYouMean(name, actionNames)}`);
    return;
  }
  const specs = Object.keys(action.args);
  for (const [key, value] of Object.entries(args)) {
    const spec = action.args[key];
    if (!spec) {
      const takes = specs.length > 0 ? `; it takes: ${specs.join(', ')}` : '; it takes no arguments';
      fail(`${withField}.${key}`, `${name} has no argument "${key}"${didYouMean(key, specs)}${takes}`);
      continue;
    }
    const problem = typeProblem(spec, value);
    if (problem) fail(`${withField}.${key}`, `${name} argument "${key}" ${problem}`);
  }
  for (const [key, spec] of Object.entries(action.args)) {
    if (spec.required && spec.default === undefined && !(key in args)) {
      fail(step.locs?.[withField] ? withField : doField, `${name} needs argument "${key}" (${spec.description})`);
    }
  }
}

const secretLabel = (n: string) => (n === 'secrets' ? 'secrets.*' : `secret param "${n}"`);

/**
 * A secret templated into an argument that is not declared `secret` would reach a remote command
 * line (`shell.command`), a file name or a journal: refused where it is written.
 */
function checkSecretArgs(
  step: Step,
  withField: string,
  name: string,
  args: Record<string, unknown>,
  knownActions: Map<string, Action>,
  carriesSecret: (template: string) => string[],
  fail: (field: string, message: string) => void,
): void {
  const action = knownActions.get(name);
  if (!action) return;
  for (const [key, value] of Object.entries(args)) {
    if (action.args[key]?.secret) continue;
    const names = [...new Set(templatesIn(value).flatMap(carriesSecret))];
    if (names.length === 0) continue;
    const safe = Object.entries(action.args).filter(([, s]) => s.secret).map(([k]) => k);
    fail(`${withField}.${key}`, `${name} argument "${key}" uses ${names.map(secretLabel).join(', ')}: a secret must never be templated into a command line or a non-secret argument` +
      (safe.length ? `; pass it in ${safe.map((k) => `"${k}"`).join(', ')} (sent on stdin)` : `; ${name} takes no secret argument`));
  }
}

/** Params of `type: host` name exactly one inventory host (`-e lost=all` is refused). */
function checkHostParams(pb: Playbook, inv: Inventory, values: Record<string, unknown>, errors: InputError[]): Set<string> {
  const bad = new Set<string>();
  const names = inv.hosts.map((h) => h.name);
  const known = new Set(names);
  for (const [name, spec] of Object.entries(pb.params)) {
    if (spec.type !== 'host' || !(name in values)) continue;
    const v = values[name];
    if (typeof v === 'string' && known.has(v)) continue;
    const loc = pb.locs?.[`params.${name}`] ?? pb.locs?.params;
    errors.push(new InputError(`param ${name} must name exactly one host of ${inv.file}, got ${JSON.stringify(v)}${typeof v === 'string' ? didYouMean(v, names) : ''}`, loc));
    bad.add(name);
  }
  return bad;
}
