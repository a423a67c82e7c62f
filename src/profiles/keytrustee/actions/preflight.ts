import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { ktsVars, pairOf, type KtsVars } from '../kts-vars.ts';
import { psqlCommand } from '../pg.ts';
import { sh } from './steps.ts';

/** What each host must have before a scenario changes anything. */
const isClient = (ctx: ActionContext) => ctx.host.roles.includes('kms') && !ctx.host.roles.some((r) => r === 'active' || r === 'passive');

function command(ctx: ActionContext, state: string): string {
  const v = ktsVars(ctx.inventory, ctx.host);
  // A Key Trustee KMS client has no database: its confdir is what a backup takes.
  if (isClient(ctx)) return `command -v tar >/dev/null || { echo "tar is missing" >&2; exit 1; }\n[ -d ${q(v.confdir)} ] || { echo "no configuration directory ${v.confdir}" >&2; exit 1; }`;
  const tools = ['runuser', 'tar', 'sha256sum', `${v.pgBindir}/pg_ctl`, `${v.pgBindir}/pg_basebackup`, `${v.pgBindir}/psql`, `${v.pgBindir}/pg_dump`];
  const lines = [
    `for t in ${tools.map(q).join(' ')}; do command -v "$t" >/dev/null || { echo "$t is missing" >&2; exit 1; }; done`,
    `id -u ${q(v.serviceUser)} >/dev/null || { echo "no service account ${v.serviceUser}" >&2; exit 1; }`,
  ];
  const probe = psqlCommand(v, 'SELECT pg_is_in_recovery()', 'postgres');
  if (state === 'running') {
    lines.push(`[ -d ${q(v.confdir)} ] || { echo "no configuration directory ${v.confdir}" >&2; exit 1; }`);
    lines.push(`r=$(${psqlCommand(v, STATE_SQL, 'postgres')}) || { echo "the database does not answer on port ${v.dbPort}" >&2; exit 1; }; echo "$r"`);
  } else {
    // A host called lost may still run a database: what it answers decides (see run).
    lines.push(`r=$(${probe} 2>/dev/null) && echo "$r" || echo down`);
  }
  return lines.join('\n');
}

/**
 * `t|f` for pg_is_in_recovery(), then (a standby's) last replayed transaction in UTC and its WAL
 * receiver status: how old a copy of the passive would be, said before active-loss takes it.
 */
const STATE_SQL =
  "SELECT CASE WHEN pg_is_in_recovery() THEN 't' ELSE 'f' END || '|' || coalesce(to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-') || '|' || coalesce((SELECT status FROM pg_stat_wal_receiver LIMIT 1), 'none')";

function standbyState(line: string): string {
  const [, replayed, receiver] = line.split('|');
  if (!receiver) return 'standby';
  return `standby, ${receiver === 'streaming' ? 'streaming' : `NOT streaming (WAL receiver: ${receiver})`}; ${replayed && replayed !== '-' ? `last replayed a transaction at ${replayed} UTC` : 'no transaction replayed since it started'}`;
}

const isForced = (ctx: ActionContext) => ctx.args.force === true || ctx.args.force === 'true';

/**
 * A host the playbook will rebuild (state: empty) whose database still answers as a primary is not
 * lost: rebuilding it would throw away deposits only it holds. The inventory is not the truth here,
 * the server is.
 */
function refuseLivePrimary(ctx: ActionContext, v: KtsVars): void {
  const { active, passive } = pairOf(ctx.inventory);
  const h = ctx.host.name;
  if (ctx.host.roles.includes('passive')) {
    throw new ActionError(
      `${h}: has role passive but its database answers on port ${v.dbPort} as a primary (not in recovery): it was promoted, and with ${active.name} a primary too this is a split brain. Rebuilding ${h} would discard every deposit written on it since; compare the deposits on both servers, make the inventory's active the one that holds the truth, then run again (a new run with -e force=true discards ${h}'s database)`,
    );
  }
  throw new ActionError(
    `${h}: its database answers on port ${v.dbPort} as a primary: the active is not lost. Rebuilding it from ${passive.name} would lose what ${passive.name} has not replayed; for a lost passive run passive-loss, to go back to a backup run data-loss (a new run with -e force=true rebuilds ${h} anyway)`,
  );
}

/**
 * Everything checked before a scenario changes anything: the pair in the inventory (one active,
 * one passive), tools and service account on the host, and with `state: running` a database that
 * answers and whose recovery state matches the host's role (the active must not be a standby, the
 * passive must be one).
 */
export const ktsPreflight: Action = {
  name: 'kts.preflight',
  readOnly: true,
  description: 'One active and one passive in the inventory; tools and service account present; with state: running, the database answers and is (passive) or is not (active) in recovery',
  args: {
    state: { type: 'string', default: 'running', description: 'running (database must answer) or empty (a host to rebuild: tools and account; refused when its database answers as a primary)' },
    force: { type: 'boolean', default: false, description: 'with state: empty, rebuild a host whose database still answers as a primary (its own deposits are lost)' },
  },
  plan: (ctx) => [{ host: ctx.host.name, command: command(ctx, String(ctx.args.state ?? 'running')), note: 'read only' }],
  async run(ctx) {
    const state = String(ctx.args.state ?? 'running');
    if (state !== 'running' && state !== 'empty') throw new ActionError(`kts.preflight: state must be running or empty (got ${JSON.stringify(state)})`);
    try {
      pairOf(ctx.inventory);
    } catch (e) {
      throw new ActionError((e as Error).message);
    }
    const out = (await sh(await ctx.connect(), ctx, command(ctx, state), 'preflight')).stdout.trim();
    const last = out.split('\n').pop() ?? '';
    const answer = last.split('|')[0];
    if (state === 'running' && !isClient(ctx)) {
      const inRecovery = answer === 't';
      if (ctx.host.roles.includes('active') && inRecovery) throw new ActionError(`${ctx.host.name}: has role active but its database is a standby (in recovery): the roles changed since the inventory was written; make the inventory say which server is the primary`);
      if (ctx.host.roles.includes('passive') && !inRecovery) throw new ActionError(`${ctx.host.name}: has role passive but its database is not in recovery: it is not a standby (was it promoted? with the active a primary too, that is a split brain: find which server holds the newest deposits before running anything)`);
    }
    if (state === 'empty' && !isClient(ctx) && answer === 'f' && !isForced(ctx)) refuseLivePrimary(ctx, ktsVars(ctx.inventory, ctx.host));
    const found = answer === 'f' ? 'a primary' : answer === 't' ? 'a standby' : 'its database is down';
    return { changed: false, summary: `${ctx.host.name}: ready${state === 'running' ? ` (${ctx.host.roles.includes('passive') ? standbyState(last) : 'primary'})` : isClient(ctx) ? '' : ` (${found}${answer === 'f' ? ', rebuilt anyway: force' : ''})`}` };
  },
};
