import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { ktsVars, pairOf } from '../kts-vars.ts';
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
  if (state === 'running') {
    lines.push(`[ -d ${q(v.confdir)} ] || { echo "no configuration directory ${v.confdir}" >&2; exit 1; }`);
    lines.push(`r=$(${psqlCommand(v, 'SELECT pg_is_in_recovery()', 'postgres')}) || { echo "the database does not answer on port ${v.dbPort}" >&2; exit 1; }; echo "$r"`);
  }
  return lines.join('\n');
}

/**
 * Everything checked before a scenario changes anything: the pair in the inventory (one active,
 * one passive), tools and service account on the host, and with `state: running` a database that
 * answers and whose recovery state matches the host's role (the active must not be a standby, the
 * passive must be one).
 */
export const ktsPreflight: Action = {
  name: 'kts.preflight',
  description: 'One active and one passive in the inventory; tools and service account present; with state: running, the database answers and is (passive) or is not (active) in recovery',
  args: {
    state: { type: 'string', default: 'running', description: 'running (database must answer) or empty (a rebuilt host: only tools and account)' },
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
    if (state === 'running' && !isClient(ctx)) {
      const inRecovery = out.split('\n').pop() === 't';
      if (ctx.host.roles.includes('active') && inRecovery) throw new ActionError(`${ctx.host.name}: has role active but its database is a standby (in recovery); fix the inventory roles`);
      if (ctx.host.roles.includes('passive') && !inRecovery) throw new ActionError(`${ctx.host.name}: has role passive but its database is not in recovery: it is not a standby (was it promoted?)`);
    }
    return { changed: false, summary: `${ctx.host.name}: ready${state === 'running' ? ` (${ctx.host.roles.includes('passive') ? 'standby' : 'primary'})` : ''}` };
  },
};
