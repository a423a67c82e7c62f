import type { Action, ActionContext } from '../../../actions/types.ts';
import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { baseBackupCommand, logsDir, pgCtl, psqlCommand } from '../pg.ts';
import { ktsVars } from '../kts-vars.ts';
import { CREATE_SLOT_SQL, checkSlotName } from '../slot.ts';
import { requireRole } from './role-guard.ts';
import { plannedSteps, runSteps, type KtsStep } from './steps.ts';

/** Waits until the standby's WAL receiver streams from the active. */
const STREAMING_SQL = "SELECT status FROM pg_stat_wal_receiver";

function steps(ctx: ActionContext): KtsStep[] {
  const { v, active } = requireRole(ctx, 'passive', 'standby.rebuild');
  const av = ktsVars(ctx.inventory, active);
  const slot = v.replicationSlot ? checkSlotName(v.replicationSlot, `standby.rebuild on ${ctx.host.name}`) : '';
  const wait = `for i in $(seq 1 120); do s=$(${psqlCommand(v, STREAMING_SQL, 'postgres')} 2>/dev/null); [ "$s" = streaming ] && exit 0; sleep 0.5; done; echo "standby not streaming after 60 s (status: $s)" >&2; exit 1`;
  return [
    { what: 'pg_ctl stop', command: pgCtl(v, 'stop') },
    ...(slot ? [{ what: `replication slot ${slot} on ${active.name}`, on: active.name, command: psqlCommand(av, CREATE_SLOT_SQL(slot), 'postgres'), note: 'created when missing' }] : []),
    { what: `pg_basebackup from ${active.name} with standby configuration (-R)${slot ? ` through slot ${slot}` : ''}`, command: baseBackupCommand(v, { address: active.address, vars: av }, true, slot), note: 'replaces the data directory' },
    { what: 'logs directory', command: `install -d -m 755 -o ${q(v.serviceUser)} -g ${q(v.serviceUser)} ${q(logsDir(v))}` },
    { what: 'pg_ctl start', command: pgCtl(v, 'start') },
    { what: 'streaming from the active', command: `(${wait})` },
  ];
}

export const ktsStandbyRebuild: Action = {
  name: 'standby.rebuild',
  description: 'Rebuild the PASSIVE as a streaming standby of the active: stop, pg_basebackup -R from the active (standby.signal + primary_conninfo), start, wait until it streams. Refuses the active',
  destructive: true,
  args: {},
  plan: (ctx) => plannedSteps(ctx.host.name, steps(ctx)),
  async run(ctx) {
    const s = steps(ctx);
    if (ctx.check) return { changed: false };
    await runSteps(ctx, s);
    return { changed: true, summary: `${ctx.host.name}: standby rebuilt, streaming` };
  },
};
