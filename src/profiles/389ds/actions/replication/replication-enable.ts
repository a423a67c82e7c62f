import type { Action, ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { ldapModify, modifyCommand } from '../ldap.ts';
import { instanceName } from '../host-vars.ts';
import { listAgreements, listAgreementsCommand, sameDn } from './agreements.ts';
import { readDisabledRecord } from './disabled-record.ts';
import { FENCED_RESULT, fencedHosts, isFenced } from './fenced.ts';
import { enabledLdif } from './enabled-ldif.ts';
import { peerFilter, TO_ARG } from './peer-filter.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';

/**
 * Which agreement DNs this host should switch on, or `all`. Accepts a plain list (the undo of
 * replication.disable), `previously-enabled` (this run's record), or a registered disable output
 * (per host `{ disabled: [...] }`, or a map host -> that).
 */
export async function wantedAgreements(ctx: ActionContext): Promise<string[] | 'all'> {
  const explicit = ctx.args.agreements;
  if (Array.isArray(explicit)) return explicit.map(String);
  const only = ctx.args.only ?? 'all';
  if (only === 'all') return 'all';
  if (only === 'previously-enabled') return (await readDisabledRecord(ctx.runDir, ctx.host.name)) ?? [];
  if (Array.isArray(only)) return only.map(String);
  if (only && typeof only === 'object') {
    const o = only as Record<string, unknown>;
    const mine = (o[ctx.host.name] ?? o) as Record<string, unknown> | unknown[];
    if (Array.isArray(mine)) return mine.map(String);
    if (mine && Array.isArray((mine as Record<string, unknown>).disabled)) return ((mine as Record<string, unknown>).disabled as unknown[]).map(String);
    return [];
  }
  throw new ActionError(`replication.enable: "only" must be all, previously-enabled, a list of agreement DNs or a registered disable output`);
}

export const replicationEnable: Action = {
  name: 'replication.enable',
  description: 'Enable the replication agreements of the host (all, or exactly those this run disabled)',
  args: {
    suffixes: SUFFIXES_ARG,
    only: { type: 'any', default: 'all', description: '`all`, `previously-enabled` (what this run disabled on the host) or a registered disable output' },
    agreements: { type: 'string[]', description: 'Exact agreement DNs to enable (used by the undo of replication.disable)' },
    to: TO_ARG,
  },
  plan(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const which = Array.isArray(ctx.args.agreements)
      ? `${(ctx.args.agreements as unknown[]).length} recorded agreement(s)`
      : `${String(ctx.args.only ?? 'all')} agreements`;
    return [
      { host: ctx.host.name, command: listAgreementsCommand(inst), note: 'read-only: which agreements are off now' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: nsds5ReplicaEnabled: on for ${which} of ${suffixes.join('; ')}` },
    ];
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const wanted = await wantedAgreements(ctx);
    const remote = await ctx.connect();
    const agreements = (await listAgreements(remote, ctx.inventory, ctx.host.name, inst, suffixes, { signal: ctx.signal })).filter(peerFilter(ctx));
    const chosen = wanted === 'all' ? agreements : agreements.filter((a) => wanted.some((w) => sameDn(w, a.dn)));
    // Never toward a fenced host: it must be rebuilt before anything replicates to it again.
    const fenced = fencedHosts(ctx);
    // One warning per fenced peer, each agreement with its suffix (two suffixes often share a name).
    for (const peer of fenced) {
      const left = chosen.filter((x) => !x.enabled && x.peer === peer);
      if (left.length) ctx.emit({ kind: 'warning', message: `agreements to fenced ${peer} left off: ${left.map((a) => `${a.name} (${a.suffix})`).join(', ')}` });
    }
    const toEnable = chosen.filter((a) => !a.enabled && !(a.peer && fenced.includes(a.peer))).map((a) => a.dn);
    if (wanted !== 'all') {
      const gone = wanted.filter((w) => !agreements.some((a) => sameDn(w, a.dn)));
      for (const g of gone) ctx.emit({ kind: 'warning', message: `agreement ${g} no longer exists; not enabled` });
    }
    if (!ctx.check && toEnable.length > 0) await ldapModify(remote, inst, enabledLdif(toEnable, true), { signal: ctx.signal });
    return {
      changed: toEnable.length > 0,
      summary: `${toEnable.length} agreement(s) enabled, ${chosen.length - toEnable.length} already on`,
      output: { host: ctx.host.name, enabled: toEnable },
    };
  },
};
