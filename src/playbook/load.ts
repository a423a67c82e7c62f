import { resolve } from 'node:path';
import type { Node } from 'yaml';
import type { ParamSpec, Playbook, SourceLocation, Step, UndoSpec } from './types.ts';
import { InputError } from '../util/errors.ts';
import { YamlSource, type Entry, type YNode } from '../source/yaml-source.ts';
import { BOUNDS } from '../source/bounds.ts';
import { checkTemplate, templatesIn } from './template.ts';
import { checkWhen } from './when.ts';

const TOP_KEYS = ['name', 'description', 'params', 'confirm', 'steps'];
const PARAM_KEYS = ['required', 'default', 'description', 'secret', 'type'];
const PARAM_TYPES = ['string', 'number', 'boolean', 'list', 'host'] as const;
export const STEP_KEYS = [
  'name',
  'on',
  'do',
  'with',
  'concurrency',
  'order',
  'from',
  'timeout',
  'retries',
  'delay',
  'when',
  'confirm',
  'confirm_after_change_reason',
  'undo',
  'undo_barrier',
  'on_error',
  'register',
  'allow_empty',
] as const;
const UNDO_KEYS = ['do', 'with'];
/** What people used to Ansible write instead. */
const STEP_HINTS: Record<string, string> = {
  hosts: 'on',
  action: 'do',
  module: 'do',
  args: 'with',
  serial: 'concurrency',
  ignore_errors: 'on_error: continue',
  until: 'retries',
};
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Retries wait this long between tries unless the step says otherwise (as Ansible's `delay`). */
export const DEFAULT_RETRY_DELAY_MS = 5000;

/**
 * Reads a playbook and checks its shape: every field's type, templates' syntax, durations.
 * Problems are collected and thrown together as InputErrors with file:line:col. Whether actions,
 * arguments, hosts and params exist is checked later by validatePlaybook (it needs the inventory).
 */
export async function loadPlaybook(file: string): Promise<Playbook> {
  const src = await YamlSource.read(file, 'playbook');
  src.throwIfErrors();
  const pb = readPlaybook(src, resolve(file));
  src.throwIfErrors();
  return pb;
}

/** Same as loadPlaybook, for text already in memory (tests, embedded playbooks). */
export function parsePlaybook(file: string, text: string): Playbook {
  const src = YamlSource.parse(file, text);
  src.throwIfErrors();
  const pb = readPlaybook(src, resolve(file));
  src.throwIfErrors();
  return pb;
}

function readPlaybook(src: YamlSource, absolute: string): Playbook {
  const pb: Playbook = { file: absolute, name: '', description: '', params: {}, steps: [], locs: {} };
  const top = src.entries(src.root, 'the playbook');
  if (!top) return pb;
  src.checkKeys(top, TOP_KEYS, 'the playbook');
  const get = (k: string) => top.find((e) => e.key === k);

  const name = get('name');
  if (!name) src.error(src.root, 'the playbook has no "name"');
  else {
    pb.name = src.name(name.value, 'name', name.keyNode) ?? '';
    pb.locs!.name = src.loc(name.value, name.keyNode);
  }
  const description = get('description');
  if (description && !src.isNull(description.value)) pb.description = src.string(description.value, 'description', description.keyNode) ?? '';

  const confirm = get('confirm');
  if (confirm) {
    pb.confirm = src.string(confirm.value, 'confirm', confirm.keyNode);
    if (pb.confirm !== undefined) checkTemplates(src, pb.confirm, confirm.value, 'confirm', confirm.keyNode);
    pb.locs!.confirm = src.loc(confirm.value, confirm.keyNode);
  }

  const params = get('params');
  if (params) {
    pb.locs!.params = src.loc(params.keyNode);
    for (const p of src.optionalEntries(params.value, 'params', params.keyNode) ?? []) {
      const spec = readParam(src, p);
      if (spec) {
        pb.params[p.key] = spec;
        pb.locs![`params.${p.key}`] = src.loc(p.keyNode);
      }
    }
  }

  const steps = get('steps');
  if (!steps) src.error(src.root, 'the playbook has no "steps"');
  else {
    pb.locs!.steps = src.loc(steps.keyNode);
    const items = src.isNull(steps.value) ? [] : src.items(steps.value, 'steps', steps.keyNode);
    if (items?.length === 0) src.error(steps.keyNode, 'steps is empty');
    items?.forEach((item, index) => {
      const step = readStep(src, item, index, pb.params);
      if (step) pb.steps.push(step);
    });
  }
  return pb;
}

function readParam(src: YamlSource, p: Entry): ParamSpec | undefined {
  const what = `param ${p.key}`;
  if (!IDENTIFIER.test(p.key)) src.error(p.keyNode, `${what}: a param name must be letters, digits and _ (it is used in templates)`);
  const entries = src.optionalEntries(p.value, what, p.keyNode);
  if (!entries) return undefined;
  src.checkKeys(entries, PARAM_KEYS, what);
  const get = (k: string) => entries.find((e) => e.key === k);
  const spec: ParamSpec = { required: false, secret: false };
  const d = get('default');
  if (d) spec.default = src.toJS(d.value);
  const r = get('required');
  // A param with no default must be given, unless the playbook says it is optional.
  spec.required = r ? src.boolean(r.value, `${what}: required`, r.keyNode) ?? false : !d;
  const desc = get('description');
  if (desc) spec.description = src.string(desc.value, `${what}: description`, desc.keyNode);
  const s = get('secret');
  if (s) spec.secret = src.boolean(s.value, `${what}: secret`, s.keyNode) ?? false;
  const t = get('type');
  if (t) {
    const type = src.string(t.value, `${what}: type`, t.keyNode);
    if (type !== undefined && !(PARAM_TYPES as readonly string[]).includes(type)) src.error(t.value, `${what}: type must be one of ${PARAM_TYPES.join(', ')}, got "${type}"`);
    else if (type !== undefined) spec.type = type as ParamSpec['type'];
  }
  if (r && d && spec.required) src.error(r.keyNode, `${what}: a required param cannot have a default`);
  return spec;
}

/** Checks template syntax in a value; reports at `node` with `what` naming the field. */
function checkTemplates(src: YamlSource, value: unknown, node: YNode, what: string, fallback?: YNode): void {
  for (const t of templatesIn(value)) {
    try {
      checkTemplate(t);
    } catch (err) {
      if (err instanceof InputError) src.error(node, `${what}: ${err.message}`, fallback);
      else throw err;
    }
  }
}

function readWith(
  src: YamlSource,
  e: Entry,
  what: string,
  locs: Record<string, SourceLocation>,
  prefix: string,
): Record<string, unknown> {
  locs[prefix] = src.loc(e.value, e.keyNode);
  const out: Record<string, unknown> = {};
  for (const arg of src.optionalEntries(e.value, what, e.keyNode) ?? []) {
    const value = src.toJS(arg.value);
    out[arg.key] = value;
    locs[`${prefix}.${arg.key}`] = src.loc(arg.keyNode);
    checkTemplates(src, value, arg.value, `${what}.${arg.key}`, arg.keyNode);
  }
  return out;
}

function readStep(src: YamlSource, node: YNode, index: number, params: Record<string, ParamSpec>): Step | undefined {
  const label = `step ${index + 1}`;
  const entries = src.entries(node, label);
  if (!entries) return undefined;
  src.checkKeys(entries, STEP_KEYS, label, STEP_HINTS);
  const get = (k: string) => entries.find((e) => e.key === k);
  const locs: Record<string, SourceLocation> = {};
  for (const e of entries) locs[e.key] = src.loc(e.value, e.keyNode);

  const nameEntry = get('name');
  const name = nameEntry ? src.name(nameEntry.value, `${label}: name`, nameEntry.keyNode) : undefined;
  if (!nameEntry) src.error(node, `${label} has no "name"`);
  const what = name ? `step ${index + 1} (${name})` : label;

  const step: Step = {
    index,
    name: name ?? label,
    on: '',
    do: '',
    with: {},
    order: 'inventory',
    retries: 0,
    delayMs: DEFAULT_RETRY_DELAY_MS,
    onError: 'stop',
    loc: src.loc(node),
    locs,
  };

  const templated = (e: Entry, field: string): string | undefined => {
    const v = src.name(e.value, `${what}: ${field}`, e.keyNode);
    if (v !== undefined) checkTemplates(src, v, e.value, `${what}: ${field}`, e.keyNode);
    return v;
  };

  const on = get('on');
  if (!on) src.error(node, `${what} has no "on" (which hosts it runs on, e.g. all, role:ca, "{{ master }}")`);
  else step.on = templated(on, 'on') ?? '';

  const act = get('do');
  if (!act) src.error(node, `${what} has no "do" (the action to run)`);
  else step.do = src.string(act.value, `${what}: do`, act.keyNode) ?? '';

  const w = get('with');
  if (w) step.with = readWith(src, w, `${what}: with`, locs, 'with');

  const c = get('concurrency');
  if (c) step.concurrency = src.integer(c.value, `${what}: concurrency`, BOUNDS.concurrency.min, c.keyNode, BOUNDS.concurrency.max);

  const order = get('order');
  if (order) {
    const o = src.string(order.value, `${what}: order`, order.keyNode);
    if (o === 'inventory' || o === 'topology') step.order = o;
    else if (o !== undefined) src.error(order.value, `${what}: order must be inventory or topology, got "${o}"`);
  }
  const from = get('from');
  if (from) step.from = templated(from, 'from');
  if (step.order === 'topology' && !from) src.error(order!.keyNode, `${what}: order: topology needs "from" (the host the waves start from, e.g. "{{ master }}")`);

  for (const [key, field] of [
    ['timeout', 'timeoutMs'],
    ['delay', 'delayMs'],
  ] as const) {
    const e = get(key);
    if (!e) continue;
    const ms = src.duration(e.value, `${what}: ${key}`, BOUNDS[field].min, BOUNDS[field].max, e.keyNode);
    if (ms !== undefined) step[field] = ms;
  }

  const retries = get('retries');
  if (retries) step.retries = src.integer(retries.value, `${what}: retries`, BOUNDS.retries.min, retries.keyNode, BOUNDS.retries.max) ?? 0;

  const when = get('when');
  if (when) {
    const v = src.scalar(when.value);
    if (typeof v === 'boolean') step.when = String(v);
    else {
      step.when = src.string(when.value, `${what}: when`, when.keyNode);
      if (step.when !== undefined) {
        try {
          checkWhen(step.when);
        } catch (err) {
          if (err instanceof InputError) src.error(when.value, `${what}: when: ${err.message}`, when.keyNode);
          else throw err;
        }
      }
    }
  }

  const confirm = get('confirm');
  if (confirm) {
    const v = src.scalar(confirm.value);
    if (typeof v === 'boolean') step.confirm = v;
    else step.confirm = templated(confirm, 'confirm');
  }
  const reason = get('confirm_after_change_reason');
  if (reason) step.confirmAfterChangeReason = src.string(reason.value, `${what}: confirm_after_change_reason`, reason.keyNode);

  const undo = get('undo');
  if (undo) step.undo = readUndo(src, undo, what, locs);

  const barrier = get('undo_barrier');
  if (barrier) {
    const v = src.scalar(barrier.value);
    if (typeof v === 'boolean') step.undoBarrier = v;
    else src.error(barrier.value, `${what}: undo_barrier must be true or false`);
  }

  const onError = get('on_error');
  if (onError) {
    const v = src.string(onError.value, `${what}: on_error`, onError.keyNode);
    if (v === 'stop' || v === 'continue') step.onError = v;
    else if (v !== undefined) src.error(onError.value, `${what}: on_error must be stop or continue, got "${v}"`);
  }

  const allowEmpty = get('allow_empty');
  if (allowEmpty) step.allowEmpty = src.boolean(allowEmpty.value, `${what}: allow_empty`, allowEmpty.keyNode);

  const register = get('register');
  if (register) {
    const r = src.string(register.value, `${what}: register`, register.keyNode);
    if (r !== undefined && !IDENTIFIER.test(r)) src.error(register.value, `${what}: register must be letters, digits and _ (it is used in templates), got "${r}"`);
    else if (r !== undefined && params[r]) src.error(register.value, `${what}: register "${r}" has the same name as a param`);
    else step.register = r;
  }
  return step;
}

function readUndo(src: YamlSource, e: Entry, what: string, locs: Record<string, SourceLocation>): UndoSpec | undefined {
  const entries = src.entries(e.value, `${what}: undo`, e.keyNode);
  if (!entries) return undefined;
  src.checkKeys(entries, UNDO_KEYS, `${what}: undo`);
  const act = entries.find((x) => x.key === 'do');
  const w = entries.find((x) => x.key === 'with');
  if (!act) {
    src.error(e.value as Node, `${what}: undo has no "do" (the action that puts things back)`, e.keyNode);
    return undefined;
  }
  locs['undo.do'] = src.loc(act.value, act.keyNode);
  const action = src.string(act.value, `${what}: undo.do`, act.keyNode);
  if (action === undefined) return undefined;
  return { do: action, with: w ? readWith(src, w, `${what}: undo.with`, locs, 'undo.with') : {} };
}
