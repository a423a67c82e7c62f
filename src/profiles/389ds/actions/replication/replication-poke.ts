import type { Action } from '../../../../actions/types.ts';
import { modifyCommand } from '../ldap.ts';
import { instanceName } from '../host-vars.ts';
import { listAgreements, listAgreementsCommand } from './agreements.ts';
import { FENCED_RESULT, isFenced } from './fenced.ts';
import { joinRecords, replaceRecord } from './ldif-build.ts';
import { peerFilter, TO_ARG } from './peer-filter.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';
import { modifyEach } from './switch-each.ts';

/** Off-then-on: restarts each enabled agreement's session now instead of after the back-off (up to 300 s). */
export function pokeLdif(dns: string[]): string {
  return joinRecords(dns.flatMap((dn) => [replaceRecord(dn, 'nsds5ReplicaEnabled', ['off']), replaceRecord(dn, 'nsds5ReplicaEnabled', ['on'])]));
}

export const replicationPoke: Action = {
  name: 'replication.poke',
  description: 'Make every enabled agreement of the host send its pending changes now (like dsconf repl-agmt poke)',
  args: { suffixes: SUFFIXES_ARG, to: TO_ARG },
  plan(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    return [
      { host: ctx.host.name, command: listAgreementsCommand(inst), note: 'read-only' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: 'LDIF: nsds5ReplicaEnabled off then on', note: 'one per enabled agreement, all at once' },
    ];
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const on = (await listAgreements(remote, ctx.inventory, ctx.host.name, inst, suffixes, { signal: ctx.signal })).filter((a) => a.enabled && peerFilter(ctx)(a));
    // One ldapmodify per agreement: the server stops their sessions side by side, not in turn.
    if (on.length && !ctx.check) await modifyEach(remote, inst, on.map((a) => pokeLdif([a.dn])), { signal: ctx.signal });
    return { changed: false, summary: `${on.length} agreement(s) poked` };
  },
};
