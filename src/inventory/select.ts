import type { Inventory, InventoryHost } from './types.ts';
import { InputError } from '../util/errors.ts';
import { didYouMean } from '../source/suggest.ts';
import { checkRole } from './roles.ts';

interface Term {
  op: 'add' | 'intersect' | 'exclude';
  name: string;
}

/**
 * Splits `role:ca:!ds1,dns` into terms. `,` and `:` both separate terms (Ansible patterns);
 * `role:` belongs to the name that follows it. `!x` excludes, `&x` intersects.
 */
function parseSelector(selector: string): Term[] {
  const out: Term[] = [];
  for (const part of selector.split(',')) {
    let rest = part.trim();
    if (rest === '') throw new InputError(`empty term in host selector "${selector}"`);
    while (rest !== '') {
      let op: Term['op'] = 'add';
      if (rest.startsWith('!')) op = 'exclude';
      else if (rest.startsWith('&')) op = 'intersect';
      if (op !== 'add') rest = rest.slice(1).trimStart();
      const prefix = rest.startsWith('role:') ? 'role:' : '';
      rest = rest.slice(prefix.length);
      const colon = rest.indexOf(':');
      const name = (colon < 0 ? rest : rest.slice(0, colon)).trim();
      rest = colon < 0 ? '' : rest.slice(colon + 1).trim();
      if (name === '') throw new InputError(`empty term in host selector "${selector}"`);
      out.push({ op, name: prefix + name });
      if (colon >= 0 && rest === '') throw new InputError(`host selector "${selector}" ends with ":"`);
    }
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function matchTerm(inv: Inventory, term: string, selector: string): Set<string> {
  const names = inv.hosts.map((h) => h.name);
  if (term === 'all' || term === '*') return new Set(names);
  if (term.startsWith('role:')) {
    const role = term.slice(5);
    const problem = checkRole(role, inv.profile);
    if (problem) throw new InputError(`host selector "${selector}": ${problem}`);
    return new Set(inv.hosts.filter((h) => h.roles.includes(role)).map((h) => h.name));
  }
  if (names.includes(term)) return new Set([term]);
  if (inv.groups[term]) return new Set(inv.groups[term]);
  if (term.includes('*')) {
    const re = globToRegExp(term);
    const hits = new Set<string>(names.filter((n) => re.test(n)));
    for (const [g, members] of Object.entries(inv.groups)) if (re.test(g)) for (const m of members) hits.add(m);
    if (hits.size === 0) throw new InputError(`host selector "${selector}": "${term}" matches no host or group`);
    return hits;
  }
  const known = [...names, ...Object.keys(inv.groups), 'all'];
  throw new InputError(`host selector "${selector}": unknown host or group "${term}"${didYouMean(term, known)}`);
}

function selectNames(inv: Inventory, selector: string): Set<string> {
  const terms = parseSelector(selector);
  const adds = terms.filter((t) => t.op === 'add');
  // Only exclusions (`!ds3`, handy with --limit) start from every host.
  const picked = adds.length > 0 ? new Set<string>() : new Set(inv.hosts.map((h) => h.name));
  for (const t of adds) for (const n of matchTerm(inv, t.name, selector)) picked.add(n);
  for (const t of terms.filter((x) => x.op === 'intersect')) {
    const keep = matchTerm(inv, t.name, selector);
    for (const n of [...picked]) if (!keep.has(n)) picked.delete(n);
  }
  for (const t of terms.filter((x) => x.op === 'exclude')) for (const n of matchTerm(inv, t.name, selector)) picked.delete(n);
  return picked;
}

/**
 * Hosts a selector names, in inventory order: `all`, host names, groups, `role:ca`, globs (`ds*`),
 * unions (`a,b` or `a:b`), exclusions (`all:!ds1`), intersections (`dc1:&role:ca`).
 * `limit` (from --limit) narrows the result further. Unknown names are an InputError.
 */
export function selectHosts(inv: Inventory, selector: string, limit?: string): InventoryHost[] {
  const picked = selectNames(inv, selector);
  const allowed = limit === undefined || limit.trim() === '' ? undefined : selectNames(inv, limit);
  return inv.hosts.filter((h) => picked.has(h.name) && (!allowed || allowed.has(h.name)));
}
