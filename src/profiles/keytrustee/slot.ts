import { ActionError } from '../../actions/types.ts';

/**
 * Physical replication slots. A site whose passive streams through a slot (`primary_slot_name`)
 * keeps it: the rebuilt passive is given the slot named by the `replication_slot` var (created on
 * the active when missing), and a passive that does not stream because its slot is gone is told
 * apart from one that is simply down.
 */

/** PostgreSQL's rule for slot names; checked before a name goes into SQL. */
export function checkSlotName(name: string, where: string): string {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new ActionError(`${where}: replication_slot ${JSON.stringify(name)} is not a slot name (lower-case letters, digits and _; at most 63)`);
  return name;
}

export const CREATE_SLOT_SQL = (slot: string) =>
  `SELECT count(pg_create_physical_replication_slot('${slot}')) FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}')) s`;

/** Asked of the passive: the slot it streams through ('' when none). */
export const PASSIVE_SLOT_SQL = "SELECT current_setting('primary_slot_name')";

/** Asked of the active: 1 when the slot exists. */
export const SLOT_EXISTS_SQL = (slot: string) => `SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}'`;

/**
 * Why no standby is connected, when the answer is a missing slot; undefined otherwise (or when it
 * cannot be told). `ask` runs one SQL statement on a host of the pair.
 */
export async function missingSlot(ask: (side: 'active' | 'passive', sql: string) => Promise<string>, active: string, passive: string): Promise<string | undefined> {
  try {
    const slot = (await ask('passive', PASSIVE_SLOT_SQL)).trim();
    if (!slot || !/^[a-z0-9_]{1,63}$/.test(slot)) return undefined;
    if ((await ask('active', SLOT_EXISTS_SQL(slot))).trim() !== '0') return undefined;
    return `${passive} streams through replication slot ${slot}, which ${active} does not have (create it on ${active}: SELECT pg_create_physical_replication_slot('${slot}'), or run passive-loss with the inventory var replication_slot: ${slot})`;
  } catch {
    return undefined;
  }
}
