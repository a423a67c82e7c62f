import type { Action } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName } from '../host-vars.ts';
import { isHealthyUpdateStatus, listAgreements, listAgreementsCommand } from './agreements.ts';
import { FENCED_RESULT, isFenced } from './fenced.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';

/** The host's own view of its agreements. A partition is silent here: use verify.converged to prove delivery. */
export const replicationStatus: Action = {
  name: 'replication.status',
  readOnly: true,
  description: 'Report every agreement of the host: peer, enabled, last update and last init status',
  args: {
    suffixes: SUFFIXES_ARG,
    expect_healthy: { type: 'boolean', default: false, description: 'Fail unless every enabled agreement reports a successful update' },
  },
  plan(ctx) {
    return [{ host: ctx.host.name, command: listAgreementsCommand(instanceName(ctx.inventory, ctx.host)), note: 'read-only' }];
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const remote = await ctx.connect();
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const agreements = await listAgreements(remote, ctx.inventory, ctx.host.name, instanceName(ctx.inventory, ctx.host), suffixes, { signal: ctx.signal });
    const rows = agreements.map((a) => ({
      suffix: a.suffix,
      peer: a.peer ?? a.peerAddress,
      enabled: a.enabled,
      healthy: isHealthyUpdateStatus(a.lastUpdateStatus),
      lastUpdateStatus: a.lastUpdateStatus,
      lastInitStatus: a.lastInitStatus,
    }));
    const bad = rows.filter((r) => r.enabled && !r.healthy);
    if (ctx.args.expect_healthy && bad.length) {
      throw new ActionError(`${ctx.host.name}: ${bad.map((b) => `to ${b.peer} (${b.suffix}): ${b.lastUpdateStatus ?? 'no status'}`).join('; ')}`);
    }
    const off = rows.filter((r) => !r.enabled).length;
    return {
      changed: false,
      summary: `${rows.length} agreement(s), ${off} off, ${bad.length} not healthy`,
      output: { host: ctx.host.name, agreements: rows },
    };
  },
};
