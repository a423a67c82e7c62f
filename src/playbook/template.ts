import { evaluate, memberNames, mentionedNames, parseTemplateExpr, requiredNames, toText, type Expr } from './expr.ts';

type Part = { text: string } | { expr: Expr };

const cache = new Map<string, Part[]>();

/** Splits a template into text and `{{ expr }}` parts; syntax errors are InputErrors. */
export function parseTemplate(template: string): Part[] {
  const hit = cache.get(template);
  if (hit) return hit;
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    const { expr, end } = parseTemplateExpr(template, open + 2);
    parts.push({ expr });
    i = end;
  }
  if (cache.size > 5000) cache.clear();
  cache.set(template, parts);
  return parts;
}

export function isTemplated(value: string): boolean {
  return value.includes('{{');
}

/** Throws an InputError when the template cannot be parsed. */
export function checkTemplate(template: string): void {
  parseTemplate(template);
}

/** Root variable names a template needs (not those under `default` or `is defined`). */
export function templateNames(template: string): string[] {
  const names = new Set<string>();
  for (const p of parseTemplate(template)) if ('expr' in p) requiredNames(p.expr, names);
  return [...names];
}

/** Every root variable a template mentions, guarded or not (`{{ not x }}`, `{{ x | default(y) }}` give x and y). */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const p of parseTemplate(template)) if ('expr' in p) mentionedNames(p.expr, names);
  return [...names];
}

/** The keys a template reads on a root variable (`{{ secrets.x }}`, `{{ secrets['x'] }}` -> x for root secrets). */
export function templateMembers(template: string, root: string): string[] {
  const names = new Set<string>();
  for (const p of parseTemplate(template)) if ('expr' in p) memberNames(p.expr, root, names);
  return [...names];
}

/** `{{ name }}`, `{{ a.b }}`, `{{ x | default('y') }}`, `{{ list | join(',') }}`, `{{ v | json }}` → text. */
export function render(template: string, vars: Record<string, unknown>): string {
  if (!isTemplated(template)) return template;
  return parseTemplate(template)
    .map((p) => ('text' in p ? p.text : toText(evaluate(p.expr, vars, template))))
    .join('');
}

/**
 * Renders every string inside a value. A string that is exactly one `{{ expr }}` gives the raw
 * value, so `"{{ suffixes }}"` stays a list and `"{{ fence }}"` a boolean.
 */
export function renderDeep<T = unknown>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === 'string') {
    if (!isTemplated(value)) return value;
    const parts = parseTemplate(value);
    if (parts.length === 1 && 'expr' in parts[0]!) return evaluate(parts[0].expr, vars, value) as T;
    return render(value, vars) as T;
  }
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, vars);
    return out as T;
  }
  return value;
}

/** Every template string inside a value, for validation. */
export function templatesIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isTemplated(value)) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => templatesIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => templatesIn(v, out));
  return out;
}

