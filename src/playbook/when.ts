import { evaluate, memberNames, parseExpr, requiredNames, truthy, type Expr } from './expr.ts';

const cache = new Map<string, Expr>();

function parsed(expr: string): Expr {
  let e = cache.get(expr);
  if (!e) {
    // `when: "{{ x }}"` is a common habit from Ansible: accept it as the bare expression.
    const m = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(expr);
    e = parseExpr(m && !m[1]!.includes('{{') ? m[1]! : expr);
    if (cache.size > 5000) cache.clear();
    cache.set(expr, e);
  }
  return e;
}

/** `master == 'ds2'`, `not fence`, `x and y`, `x in list`, `x is defined` → true or false. */
export function evalWhen(expr: string, vars: Record<string, unknown>): boolean {
  return truthy(evaluate(parsed(expr), vars, expr));
}

/** Throws an InputError when the expression cannot be parsed. */
export function checkWhen(expr: string): void {
  parsed(expr);
}

/** Root variable names a `when` expression needs. */
export function whenNames(expr: string): string[] {
  return [...requiredNames(parsed(expr))];
}

/** The keys a `when` expression reads on a root variable (`secrets.x` -> x for root secrets). */
export function whenMembers(expr: string, root: string): string[] {
  return [...memberNames(parsed(expr), root)];
}
