import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { InputError, InputErrors } from '../util/errors.ts';
import type { SourceLocation } from './location.ts';
import { didYouMean } from './suggest.ts';
import { formatMs, parseDuration } from './duration.ts';
import { fileReason } from '../util/file-reason.ts';

/** A YAML node as found in a document; null where a key has no value at all. */
export type YNode = Node | null | undefined;

export interface Entry {
  key: string;
  keyNode: Node;
  value: YNode;
}

/**
 * One YAML file being read: keeps the parsed document, turns node offsets into file:line:col,
 * and collects every error so one run reports them all. Inventory and playbook readers share it.
 */
export class YamlSource {
  readonly errors: InputError[] = [];
  readonly warnings: string[] = [];

  private constructor(
    /** The path as the user gave it: messages show what they typed. */
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Reads and parses a file; syntax errors are collected (with their position), not thrown. */
  static async read(file: string, what: string): Promise<YamlSource> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError(`${file}: cannot read ${what} file (${fileReason(err)})`);
    }
    return YamlSource.parse(file, text);
  }

  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    // uniqueKeys off: the parser's own duplicate check is quadratic (a 10,000-host inventory took
    // minutes); checkStructure finds duplicates in one pass with a Set.
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
    const src = new YamlSource(file, doc, lines);
    // Warnings count as errors: an unknown tag (`!!js/function`) must not quietly become a string.
    for (const e of [...doc.errors, ...doc.warnings]) {
      // The parser places duplicate keys after the previous value; checkStructure names the key itself.
      if (e.code === 'DUPLICATE_KEY') continue;
      const { line, col } = lines.linePos(e.pos[0]);
      // The parser's message repeats the position and a snippet: keep the first sentence.
      const message = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').split('\n')[0]!;
      src.errors.push(new InputError(`YAML syntax: ${message}`, { file, line, col }));
    }
    src.checkStructure();
    return src;
  }

  /** Duplicate keys (at the second one) and aliases with no anchor, which the parser lets through. */
  private checkStructure(): void {
    visit(this.doc, {
      Map: (_, map) => {
        const seen = new Set<string>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const key = String(pair.key.value);
          if (seen.has(key)) this.error(pair.key, `YAML syntax: duplicate key "${key}"`);
          seen.add(key);
        }
      },
      Alias: (_, alias) => {
        if (!alias.resolve(this.doc)) this.error(alias, `YAML syntax: alias *${alias.source} has no anchor &${alias.source} before it`);
      },
    });
  }

  /** The top-level node, or null for an empty file. */
  get root(): YNode {
    return this.doc.contents as YNode;
  }

  loc(node: YNode, fallback?: YNode): SourceLocation {
    const n = node && node.range ? node : fallback;
    const offset = n?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  error(node: YNode, message: string, fallback?: YNode): void {
    this.errors.push(new InputError(message, this.loc(node, fallback)));
  }

  warn(node: YNode, message: string): void {
    const l = this.loc(node);
    this.warnings.push(`${l.file}:${l.line}:${l.col}: ${message}`);
  }

  /** Follows `*alias` to its anchor so readers see the real node. */
  resolve(node: YNode): YNode {
    return isAlias(node) ? (node.resolve(this.doc) as YNode) : node;
  }

  isNull(node: YNode): boolean {
    const n = this.resolve(node);
    return n == null || (isScalar(n) && n.value == null);
  }

  describe(node: YNode): string {
    const n = this.resolve(node);
    if (this.isNull(n)) return 'nothing';
    if (isMap(n)) return 'a map';
    if (isSeq(n)) return 'a list';
    if (isScalar(n)) {
      const v = n.value;
      if (typeof v === 'string') return `a string ("${v}")`;
      if (typeof v === 'number' || typeof v === 'bigint') return `a number (${v})`;
      if (typeof v === 'boolean') return `a boolean (${v})`;
    }
    return 'an unsupported value';
  }

  typeError(node: YNode, what: string, expected: string, fallback?: YNode): void {
    this.error(node, `${what} must be ${expected}, got ${this.describe(node)}`, fallback);
  }

  /** The pairs of a map, keys as strings; reports and returns undefined when it is not a map. */
  entries(node: YNode, what: string, fallback?: YNode): Entry[] | undefined {
    const n = this.resolve(node);
    if (!isMap(n)) {
      this.typeError(node, what, 'a map', fallback);
      return undefined;
    }
    const out: Entry[] = [];
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) {
        this.error(keyNode, `${what}: keys must be plain names`);
        continue;
      }
      out.push({ key, keyNode, value: pair.value as YNode });
    }
    return out;
  }

  /** Same as entries, but an empty value (`hosts:` with nothing) counts as an empty map. */
  optionalEntries(node: YNode, what: string, fallback?: YNode): Entry[] | undefined {
    return this.isNull(node) ? [] : this.entries(node, what, fallback);
  }

  /** Reports keys not in `allowed`, with the nearest allowed key (or a known synonym from `hints`) as a hint. */
  checkKeys(entries: Entry[], allowed: readonly string[], what: string, hints: Record<string, string> = {}): void {
    for (const e of entries) {
      if (allowed.includes(e.key)) continue;
      const hint = Object.prototype.hasOwnProperty.call(hints, e.key) ? ` (did you mean "${hints[e.key]}"?)` : didYouMean(e.key, allowed);
      this.error(e.keyNode, `unknown key "${e.key}" in ${what}${hint}`);
    }
  }

  items(node: YNode, what: string, fallback?: YNode): YNode[] | undefined {
    const n = this.resolve(node);
    if (!isSeq(n)) {
      this.typeError(node, what, 'a list', fallback);
      return undefined;
    }
    return n.items as YNode[];
  }

  scalar(node: YNode): unknown {
    const n = this.resolve(node);
    return isScalar(n) ? n.value : undefined;
  }

  string(node: YNode, what: string, fallback?: YNode): string | undefined {
    const v = this.scalar(node);
    if (typeof v === 'string' && v !== '') return v;
    this.typeError(node, what, 'a non-empty string', fallback);
    return undefined;
  }

  /** A name-like string: numbers are accepted and turned into text (`port: 22` style mistakes aside). */
  name(node: YNode, what: string, fallback?: YNode): string | undefined {
    const v = this.scalar(node);
    if (typeof v === 'number') return String(v);
    return this.string(node, what, fallback);
  }

  /** A whole number in [min, max]; `max` keeps a typo such as `retries: 1e15` from hanging a run. */
  integer(node: YNode, what: string, min: number, fallback?: YNode, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.scalar(node);
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
    this.typeError(node, what, max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`, fallback);
    return undefined;
  }

  /** A duration (`30s`, `5m`, `500ms`, a number of ms) in [minMs, maxMs], reported with its bounds. */
  duration(node: YNode, what: string, minMs: number, maxMs: number, fallback?: YNode): number | undefined {
    const ms = parseDuration(this.scalar(node));
    if (ms !== undefined && ms >= minMs && ms <= maxMs) return ms;
    const range = `from ${formatMs(minMs)} to ${formatMs(maxMs)}`;
    if (ms === undefined) this.error(node, `${what} must be a duration such as 30s, 5m, 500ms or a number of milliseconds (${range}), got ${this.describe(node)}`, fallback);
    else this.error(node, `${what} must be ${range}, got ${this.describe(node)}`, fallback);
    return undefined;
  }

  boolean(node: YNode, what: string, fallback?: YNode): boolean | undefined {
    const v = this.scalar(node);
    if (typeof v === 'boolean') return v;
    this.typeError(node, what, 'true or false', fallback);
    return undefined;
  }

  /** A list of strings; a single string is taken as a list of one. */
  stringList(node: YNode, what: string, fallback?: YNode): string[] | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === 'string') return [n.value];
    const items = this.items(node, what, fallback);
    if (!items) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const s = this.name(item, `each item of ${what}`, node);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** Plain JavaScript value of a free-form node (vars, action arguments). */
  toJS(node: YNode): unknown {
    const n = this.resolve(node);
    if (n == null) return null;
    try {
      return n.toJS(this.doc);
    } catch (err) {
      this.error(n, `cannot read this value: ${(err as Error).message}`);
      return null;
    }
  }

  /** Loaders always throw InputErrors (even for one error) so callers handle one type. */
  throwIfErrors(): void {
    if (this.errors.length === 0) return;
    // In file order, as a reader goes through the file fixing them.
    const at = (e: InputError) => (e.loc ? e.loc.line * 1e6 + e.loc.col : 0);
    throw new InputErrors([...this.errors].sort((a, b) => at(a) - at(b)));
  }
}
