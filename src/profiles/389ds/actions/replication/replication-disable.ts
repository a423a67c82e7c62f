import type { RemoteHost } from '../../../../transport/types.ts';
import type { Action, ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { attr, ldapSearch, modifyCommand } from '../ldap.ts';
import { instanceName } from '../host-vars.ts';
import { listAgreements, listAgreementsCommand, MAPPING_TREE } from './agreements.ts';
import { addToDisabledRecord } from './disabled-record.ts';
import { FENCED_RESULT, isFenced } from './fenced.ts';
import { enabledLdif } from './enabled-ldif.ts';
import { modifyEach } from './switch-each.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';
import { roleOf } from './replica-role.ts';

/**
 * A supplier with a replica but no agreement found: either the suffixes asked for are not the ones
 * it replicates, or its agreements live elsewhere. "0 disabled" would let a restore go ahead with
 * it still replicating, so it is an error.
 */
async function refuseSilentReplica(ctx: ActionContext, remote: RemoteHost, inst: string, suffixes: string[]): Promise<string | undefined> {
  const found = await ldapSearch(remote, inst, MAPPING_TREE, 'sub', '(objectClass=nsds5replica)', ['nsDS5ReplicaRoot', 'nsDS5ReplicaType', 'nsDS5Flags'], { signal: ctx.signal });
  // A consumer sends nothing: no agreement is its normal state, not a hidden replayer.
  const consumers = found.filter((e) => roleOf(attr(e, 'nsDS5ReplicaType'), attr(e, 'nsDS5Flags')) === 'consumer').map((e) => attr(e, 'nsDS5ReplicaRoot') ?? e.dn);
  const replicas = found.filter((e) => roleOf(attr(e, 'nsDS5ReplicaType'), attr(e, 'nsDS5Flags')) !== 'consumer').map((e) => attr(e, 'nsDS5ReplicaRoot') ?? e.dn);
  if (replicas.length === 0) return consumers.length ? `read-only consumer of ${consumers.join(', ')}: it sends nothing` : undefined;
  throw new ActionError(
    `${ctx.host.name}: replicates ${replicas.join(', ')} but no agreement was found for ${suffixes.length ? suffixes.join(', ') : 'any suffix'}: nothing could be disabled, so nothing is known to stop it replaying`,
    { hint: 'check the inventory suffixes (or leave them out so the servers are asked), and that this host really is part of the topology' },
  );
}

/**
 * Switches off every agreement of the host for the given suffixes with one ldapmodify per
 * agreement, all at once (one dsconf call per agreement costs ~0.9 s each; one ldapmodify for all
 * waits for each agreement's session to stop in turn). Without this, a peer replays its changelog into the
 * restored master and deleted data comes back.
 */
export const replicationDisable: Action = {
  name: 'replication.disable',
  description: 'Disable every replication agreement of the host (nsds5ReplicaEnabled: off), remembering which were on',
  destructive: true,
  args: { suffixes: SUFFIXES_ARG },
  plan(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    return [
      { host: ctx.host.name, command: listAgreementsCommand(inst), note: 'read-only: which agreements are enabled now' },
      {
        host: ctx.host.name,
        command: modifyCommand(inst),
        note: 'one per enabled agreement, all at once',
        stdin: `LDIF: nsds5ReplicaEnabled: off on that agreement, for every enabled agreement of ${suffixes.length ? suffixes.join('; ') : 'every suffix the server replicates (the inventory lists none: read at run time)'}`,
      },
    ];
  },
  async run(ctx) {
    if (isFenced(ctx)) return FENCED_RESULT;
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const remote = await ctx.connect();
    // No suffix known (the inventory lists none and no discovery ran): every agreement of the server.
    const agreements = await listAgreements(remote, ctx.inventory, ctx.host.name, inst, suffixes.length ? suffixes : undefined, { signal: ctx.signal });
    const consumerOnly = agreements.length === 0 ? await refuseSilentReplica(ctx, remote, inst, suffixes) : undefined;
    const on = agreements.filter((a) => a.enabled).map((a) => a.dn);
    const alreadyOff = agreements.filter((a) => !a.enabled).map((a) => a.dn);
    if (!ctx.check && on.length > 0) {
      // Recorded before the change: if the modify half-works, the record still covers it.
      await addToDisabledRecord(ctx.runDir, ctx.host.name, on);
      await modifyEach(remote, inst, on.map((dn) => enabledLdif([dn], false)), { signal: ctx.signal });
    }
    return {
      changed: on.length > 0,
      summary: `${on.length} agreement(s) disabled${alreadyOff.length ? `, ${alreadyOff.length} already off` : ''}${consumerOnly ? ` (${consumerOnly})` : ''}`,
      output: { host: ctx.host.name, disabled: on, alreadyDisabled: alreadyOff },
      undo: on.length ? { do: 'replication.enable', with: { agreements: on } } : undefined,
    };
  },
};
