import { InputError } from '../util/errors.ts';
import { didYouMean } from '../source/suggest.ts';

/**
 * A small expression language for templates and `when`: variables (`a.b`, `a[0]`, `a['k']`),
 * literals, lists, comparisons, `in`, `and`/`or`/`not`, `is defined`, and filters (`x | join(',')`).
 * It is parsed into a tree and interpreted — never handed to eval or Function.
 */
export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'var'; name: string }
  | { k: 'get'; obj: Expr; key: Expr }
  | { k: 'list'; items: Expr[] }
  | { k: 'not'; e: Expr }
  | { k: 'and' | 'or'; a: Expr; b: Expr }
  | { k: 'cmp'; op: CmpOp; a: Expr; b: Expr }
  | { k: 'is'; e: Expr; test: 'defined' | 'undefined' | 'none'; negate: boolean }
  | { k: 'filter'; e: Expr; name: string; args: Expr[] };

type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** An expression used a variable that does not exist; `variable` is the root name. */
export class UndefinedVariableError extends InputError {
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = 'UndefinedVariableError';
  }
}

interface Token {
  t: 'id' | 'str' | 'num' | 'op' | 'end';
  v: string;
  pos: number;
}

const OPS = ['==', '!=', '<=', '>=', '}}', '<', '>', '(', ')', '[', ']', ',', '.', '|'];

/** Tokens from `start` up to and including a `}}` (template) or the end of the text (`when`). */
function tokenize(text: string, start: number, inTemplate: boolean): Token[] {
  const out: Token[] = [];
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let s = '';
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        s += text[j];
        j++;
      }
      if (j >= text.length) throw new InputError(`unterminated string in "${text}"`);
      out.push({ t: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || out.length === 0 || out[out.length - 1]!.t === 'op')) {
      out.push({ t: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw new InputError(`unexpected "${c}" in "${text}"`);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
    if (op === '}}' && inTemplate) return out;
  }
  if (inTemplate) throw new InputError(`"{{" without a closing "}}" in "${text}"`);
  out.push({ t: 'end', v: '', pos: text.length });
  return out;
}

const LITERALS: Record<string, unknown> = { true: true, True: true, false: false, False: false, null: null, none: null, None: null };

export const FILTERS = ['default', 'join', 'json', 'lower', 'upper', 'length', 'first', 'last', 'int', 'string', 'bool', 'split'] as const;

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'id' && t.v === v;
  }
  private fail(what: string): never {
    const t = this.peek();
    const found = t.t === 'end' ? 'the end' : `"${t.v}"`;
    throw new InputError(`expected ${what} but found ${found} in "${this.text}"`);
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`"${v}"`);
    this.i++;
  }

  /** Parses one whole expression and checks that `terminator` ('}}' or end) follows. */
  parseAll(terminator: '}}' | 'end'): Expr {
    const e = this.or();
    const t = this.peek();
    if (terminator === '}}' ? !(t.t === 'op' && t.v === '}}') : t.t !== 'end') this.fail(terminator === '}}' ? '"}}"' : 'the end');
    return e;
  }

  private or(): Expr {
    let a = this.and();
    while (this.isWord('or')) {
      this.i++;
      a = { k: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Expr {
    let a = this.not();
    while (this.isWord('and')) {
      this.i++;
      a = { k: 'and', a, b: this.not() };
    }
    return a;
  }
  private not(): Expr {
    if (this.isWord('not')) {
      this.i++;
      return { k: 'not', e: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Expr {
    const a = this.filtered();
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return { k: 'cmp', op: t.v as CmpOp, a, b: this.filtered() };
    }
    if (this.isWord('in')) {
      this.i++;
      return { k: 'cmp', op: 'in', a, b: this.filtered() };
    }
    if (this.isWord('not') && this.tokens[this.i + 1]?.t === 'id' && this.tokens[this.i + 1]?.v === 'in') {
      this.i += 2;
      return { k: 'cmp', op: 'not in', a, b: this.filtered() };
    }
    if (this.isWord('is')) {
      this.i++;
      let negate = false;
      if (this.isWord('not')) {
        this.i++;
        negate = true;
      }
      const test = this.next();
      if (test.t !== 'id' || !['defined', 'undefined', 'none'].includes(test.v)) {
        this.i--;
        this.fail('"defined", "undefined" or "none" after "is"');
      }
      return { k: 'is', e: a, test: test.v as 'defined', negate };
    }
    return a;
  }
  private filtered(): Expr {
    let e = this.postfix();
    while (this.isOp('|')) {
      this.i++;
      const name = this.next();
      if (name.t !== 'id') {
        this.i--;
        this.fail('a filter name');
      }
      if (!(FILTERS as readonly string[]).includes(name.v)) {
        throw new InputError(`unknown filter "${name.v}"${didYouMean(name.v, FILTERS)} in "${this.text}"; filters: ${FILTERS.join(', ')}`);
      }
      const args: Expr[] = [];
      if (this.isOp('(')) {
        this.i++;
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.i++;
            args.push(this.or());
          }
        }
        this.expectOp(')');
      }
      e = { k: 'filter', e, name: name.v, args };
    }
    return e;
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const key = this.next();
        if (key.t !== 'id' && key.t !== 'num') {
          this.i--;
          this.fail('a field name after "."');
        }
        e = { k: 'get', obj: e, key: { k: 'lit', v: key.t === 'num' ? Number(key.v) : key.v } };
      } else if (this.isOp('[')) {
        this.i++;
        const key = this.or();
        this.expectOp(']');
        e = { k: 'get', obj: e, key };
      } else return e;
    }
  }
  private primary(): Expr {
    const t = this.next();
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'id') {
      if (Object.prototype.hasOwnProperty.call(LITERALS, t.v)) return { k: 'lit', v: LITERALS[t.v] };
      if (['and', 'or', 'not', 'in', 'is'].includes(t.v)) {
        this.i--;
        this.fail('a value');
      }
      return { k: 'var', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.or();
      this.expectOp(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Expr[] = [];
      if (!this.isOp(']')) {
        items.push(this.or());
        while (this.isOp(',')) {
          this.i++;
          items.push(this.or());
        }
      }
      this.expectOp(']');
      return { k: 'list', items };
    }
    this.i--;
    return this.fail('a value');
  }
}

/** Parses the expression inside `{{ … }}` starting at `start`; returns it and the index after `}}`. */
export function parseTemplateExpr(text: string, start: number): { expr: Expr; end: number } {
  const tokens = tokenize(text, start, true);
  const parser = new Parser(tokens, text);
  const expr = parser.parseAll('}}');
  const close = tokens[tokens.length - 1]!;
  return { expr, end: close.pos + 2 };
}

/** Parses a whole `when` expression (no braces). */
export function parseExpr(text: string): Expr {
  if (text.trim() === '') throw new InputError('empty expression');
  return new Parser(tokenize(text, 0, false), text).parseAll('end');
}

/** Root variable names an expression needs, leaving out those guarded by `default` or `is defined`. */
export function requiredNames(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'lit':
      break;
    case 'var':
      out.add(e.name);
      break;
    case 'get':
      requiredNames(e.obj, out);
      requiredNames(e.key, out);
      break;
    case 'list':
      e.items.forEach((x) => requiredNames(x, out));
      break;
    case 'not':
      requiredNames(e.e, out);
      break;
    case 'and':
    case 'or':
    case 'cmp':
      requiredNames(e.a, out);
      requiredNames(e.b, out);
      break;
    case 'is':
      break;
    case 'filter':
      if (e.name !== 'default') requiredNames(e.e, out);
      e.args.forEach((x) => requiredNames(x, out));
      break;
  }
  return out;
}

/** Every node of an expression, the expression first. */
function* nodes(e: Expr): Generator<Expr> {
  yield e;
  switch (e.k) {
    case 'get':
      yield* nodes(e.obj);
      yield* nodes(e.key);
      break;
    case 'list':
      for (const x of e.items) yield* nodes(x);
      break;
    case 'not':
    case 'is':
      yield* nodes(e.e);
      break;
    case 'and':
    case 'or':
    case 'cmp':
      yield* nodes(e.a);
      yield* nodes(e.b);
      break;
    case 'filter':
      yield* nodes(e.e);
      for (const x of e.args) yield* nodes(x);
      break;
  }
}

/** Every root variable an expression mentions, guarded (`default`, `is defined`) or not. */
export function mentionedNames(e: Expr, out = new Set<string>()): Set<string> {
  for (const n of nodes(e)) if (n.k === 'var') out.add(n.name);
  return out;
}

/** The keys an expression reads on a root variable: `secrets.x` and `secrets['x']` give x. */
export function memberNames(e: Expr, root: string, out = new Set<string>()): Set<string> {
  for (const n of nodes(e)) {
    if (n.k === 'get' && n.obj.k === 'var' && n.obj.name === root && n.key.k === 'lit' && typeof n.key.v === 'string') out.add(n.key.v);
  }
  return out;
}

/** Python-like truth: empty strings, lists and maps, 0, null and false are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a && b) return JSON.stringify(a) === JSON.stringify(b);
  // `-e replica_id=2` arrives as a string; let it equal the number 2.
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) return String(a) === String(b);
  return false;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.some((x) => equal(x, needle));
  if (typeof haystack === 'string') return haystack.includes(String(needle));
  if (haystack && typeof haystack === 'object') return Object.prototype.hasOwnProperty.call(haystack, String(needle));
  throw new InputError(`"in" needs a list, a string or a map on its right, got ${describe(haystack)}`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v === 'object' ? 'map' : typeof v}`;
}

/** Text form of a value inside a larger string: lists and maps as JSON, nothing as ''. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function pathText(e: Expr): string {
  if (e.k === 'var') return e.name;
  if (e.k === 'get') return `${pathText(e.obj)}${e.key.k === 'lit' && typeof e.key.v === 'string' ? `.${e.key.v}` : '[…]'}`;
  return '(value)';
}

function rootName(e: Expr): string {
  return e.k === 'get' ? rootName(e.obj) : e.k === 'var' ? e.name : '';
}

export function evaluate(e: Expr, vars: Record<string, unknown>, source: string): unknown {
  const ev = (x: Expr) => evaluate(x, vars, source);
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'var':
      if (!Object.prototype.hasOwnProperty.call(vars, e.name)) {
        throw new UndefinedVariableError(`unknown variable "${e.name}"${didYouMean(e.name, Object.keys(vars))} in "${source}"`, e.name);
      }
      return vars[e.name];
    case 'get': {
      const obj = ev(e.obj);
      const key = ev(e.key);
      const has =
        obj !== null &&
        typeof obj === 'object' &&
        (Array.isArray(obj) ? typeof key === 'number' && key >= 0 && key < obj.length : Object.prototype.hasOwnProperty.call(obj, String(key)));
      if (!has) {
        throw new UndefinedVariableError(`${pathText(e.obj)} has no ${typeof key === 'number' ? `item ${key}` : `field "${String(key)}"`} in "${source}"`, rootName(e));
      }
      return (obj as Record<string, unknown>)[String(key)];
    }
    case 'list':
      return e.items.map(ev);
    case 'not':
      return !truthy(ev(e.e));
    case 'and':
      return truthy(ev(e.a)) ? truthy(ev(e.b)) : false;
    case 'or':
      return truthy(ev(e.a)) ? true : truthy(ev(e.b));
    case 'is': {
      let value: unknown;
      let defined = true;
      try {
        value = ev(e.e);
      } catch (err) {
        if (!(err instanceof UndefinedVariableError)) throw err;
        defined = false;
      }
      const result = e.test === 'defined' ? defined : e.test === 'undefined' ? !defined : defined && value == null;
      return e.negate ? !result : result;
    }
    case 'cmp': {
      const a = ev(e.a);
      const b = ev(e.b);
      switch (e.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case 'in':
          return contains(b, a);
        case 'not in':
          return !contains(b, a);
        default: {
          const both = typeof a === 'number' || typeof b === 'number' ? [Number(a), Number(b)] : [String(a), String(b)];
          const [x, y] = both as [number, number];
          return e.op === '<' ? x < y : e.op === '<=' ? x <= y : e.op === '>' ? x > y : x >= y;
        }
      }
    }
    case 'filter':
      return applyFilter(e, vars, source);
  }
}

function applyFilter(e: Extract<Expr, { k: 'filter' }>, vars: Record<string, unknown>, source: string): unknown {
  const args = e.args.map((a) => evaluate(a, vars, source));
  if (e.name === 'default') {
    try {
      const v = evaluate(e.e, vars, source);
      if (v !== null && v !== undefined) return v;
    } catch (err) {
      if (!(err instanceof UndefinedVariableError)) throw err;
    }
    return args[0] ?? '';
  }
  const v = evaluate(e.e, vars, source);
  const bad = (expected: string): never => {
    throw new InputError(`filter "${e.name}" needs ${expected}, got ${describe(v)} in "${source}"`);
  };
  switch (e.name) {
    case 'join':
      if (!Array.isArray(v)) bad('a list');
      return (v as unknown[]).map(toText).join(args[0] === undefined ? ',' : String(args[0]));
    case 'json':
      return JSON.stringify(v);
    case 'lower':
      return toText(v).toLowerCase();
    case 'upper':
      return toText(v).toUpperCase();
    case 'length':
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      return bad('a list, a string or a map');
    case 'first':
    case 'last':
      if (!Array.isArray(v)) bad('a list');
      return e.name === 'first' ? (v as unknown[])[0] : (v as unknown[])[(v as unknown[]).length - 1];
    case 'int': {
      const n = Number(v);
      if (!Number.isFinite(n)) bad('a number');
      return Math.trunc(n);
    }
    case 'string':
      return toText(v);
    case 'bool':
      if (typeof v === 'string') return /^(true|yes|on|1)$/i.test(v.trim());
      return truthy(v);
    case 'split':
      if (typeof v !== 'string') bad('a string');
      return (v as string).split(args[0] === undefined ? ',' : String(args[0])).filter((s) => s !== '');
  }
  throw new InputError(`unknown filter "${e.name}"`);
}
