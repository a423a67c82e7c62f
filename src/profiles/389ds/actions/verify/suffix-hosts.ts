import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { sameDn } from '../replication/agreements.ts';
import { resolveSuffixes } from '../replication/suffix-args.ts';

/**
 * Hosts to check: the step's `hosts` (`all` = the run's hosts: the inventory narrowed by --limit,
 * engine var `run_hosts`; or a list), narrowed to those holding the suffix. With
 * `--limit 'all:!ds4'` (ds4 decommissioned, still listed) the proof used to write to and wait on
 * ds4 anyway: 2 min of timeouts, then a failed run after a good restore.
 */
export function hostsHolding(inv: Inventory, selector: unknown, suffix: string, fenced: string[] = [], vars: Record<string, unknown> = {}): InventoryHost[] {
  const inRun = Array.isArray(vars.run_hosts) ? new Set(vars.run_hosts.map(String)) : undefined;
  const pool =
    selector === undefined || selector === null || selector === 'all'
      ? inv.hosts.filter((h) => !inRun || inRun.has(h.name))
      : (Array.isArray(selector) ? selector.map(String) : String(selector).split(',')).map((n) => {
          const h = inv.hosts.find((x) => x.name === n.trim());
          if (!h) throw new ActionError(`unknown host "${n}"`);
          return h;
        });
  return pool.filter((h) => !fenced.includes(h.name) && resolveSuffixes(inv, h, 'all', vars).some((s) => sameDn(s, suffix)));
}
