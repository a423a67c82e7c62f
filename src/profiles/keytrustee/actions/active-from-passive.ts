import path from 'node:path';
import { shellQuote as q } from '../../../transport/shell-quote.ts';
import type { Action, ActionContext } from '../../../actions/types.ts';
import { baseBackupCommand, dropStandbyFilesCommand, pgCtl } from '../pg.ts';
import { ktsVars } from '../kts-vars.ts';
import { requireRole } from './role-guard.ts';
import { plannedSteps, runSteps, type KtsStep } from './steps.ts';

/**
 * Seed 004 "Restoring the active Key Trustee Server from the passive", on a rebuilt active host
 * (same name and address). The seed rsyncs the db directory without recovery.conf; here the copy
 * is a pg_basebackup taken from the running passive (consistent, and without -R, so no standby
 * files), then any standby setting it still carries is removed. The confdir comes first, in its own
 * step (confdir.copy from: passive), which also makes the logs directory pg_ctl writes to.
 */
function steps(ctx: ActionContext): KtsStep[] {
  const { v, passive } = requireRole(ctx, 'active', 'active.from-passive');
  const u = q(v.serviceUser);
  return [
    { what: 'pg_ctl stop (if anything runs)', command: `[ -d ${q(v.pgRootdir)} ] && ${pgCtl(v, 'stop')} || true` },
    { what: 'directories of the service account', command: `install -d -m 755 -o ${u} -g ${u} ${q(path.posix.dirname(v.confdir))}` },
    { what: `copy of the database from ${passive.name} (pg_basebackup, no standby files)`, command: baseBackupCommand(v, { address: passive.address, vars: ktsVars(ctx.inventory, passive) }, false), note: 'replaces the data directory' },
    { what: 'no standby.signal, recovery.conf or primary_conninfo', command: dropStandbyFilesCommand(v) },
    { what: 'pg_ctl start', command: pgCtl(v, 'start') },
  ];
}

export const ktsActiveFromPassive: Action = {
  name: 'active.from-passive',
  description: 'Rebuild the lost ACTIVE (same host name and address) from the passive: database via pg_basebackup without standby files, confdir without .ssl and *.pid, a logs directory for the service account; then start it as the active',
  destructive: true,
  args: {},
  plan: (ctx) => plannedSteps(ctx.host.name, steps(ctx)),
  async run(ctx) {
    const s = steps(ctx);
    const { passive } = requireRole(ctx, 'active', 'active.from-passive');
    if (ctx.check) return { changed: false };
    await runSteps(ctx, s);
    return { changed: true, summary: `${ctx.host.name}: rebuilt from ${passive.name}, running as the active` };
  },
};
