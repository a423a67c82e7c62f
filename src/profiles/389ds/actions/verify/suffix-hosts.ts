import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { sameDn } from '../replication/agreements.ts';
import { resolveSuffixes } from '../replication/suffix-args.ts';

/** Hosts to check: the step's `hosts` (`all` or a list), narrowed to those holding the suffix. */
export function hostsHolding(inv: Inventory, selector: unknown, suffix: string, fenced: string[] = [], vars: Record<string, unknown> = {}): InventoryHost[] {
  const pool =
    selector === undefined || selector === null || selector === 'all'
      ? inv.hosts
      : (Array.isArray(selector) ? selector.map(String) : String(selector).split(',')).map((n) => {
          const h = inv.hosts.find((x) => x.name === n.trim());
          if (!h) throw new ActionError(`unknown host "${n}"`);
          return h;
        });
  return pool.filter((h) => !fenced.includes(h.name) && resolveSuffixes(inv, h, 'all', vars).some((s) => sameDn(s, suffix)));
}
