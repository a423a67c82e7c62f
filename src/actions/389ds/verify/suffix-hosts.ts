import type { Inventory, InventoryHost } from '../../../inventory/types.ts';
import { ActionError } from '../../types.ts';
import { hostSuffixes } from '../host-vars.ts';
import { sameDn } from '../replication/agreements.ts';

/** Hosts to check: the step's `hosts` (`all` or a list), narrowed to those holding the suffix. */
export function hostsHolding(inv: Inventory, selector: unknown, suffix: string, fenced: string[] = []): InventoryHost[] {
  const pool =
    selector === undefined || selector === null || selector === 'all'
      ? inv.hosts
      : (Array.isArray(selector) ? selector.map(String) : String(selector).split(',')).map((n) => {
          const h = inv.hosts.find((x) => x.name === n.trim());
          if (!h) throw new ActionError(`unknown host "${n}"`);
          return h;
        });
  return pool.filter((h) => !fenced.includes(h.name) && hostSuffixes(inv, h).some((s) => sameDn(s, suffix)));
}
