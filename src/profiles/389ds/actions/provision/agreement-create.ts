import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import type { InventoryHost } from '../../../../inventory/types.ts';
import { hostSuffixes, instanceName, ldapPort } from '../host-vars.ts';
import { ldapModify, modifyCommand } from '../ldap.ts';
import { addRecord, joinRecords } from '../replication/ldif-build.ts';
import { listAgreements, listAgreementsCommand, sameDn } from '../replication/agreements.ts';
import { TO_ARG } from '../replication/peer-filter.ts';
import { hostFqdn } from './instance-create.ts';
import { mainTopology, peersFor } from './peers.ts';
import { REPLICATION_MANAGER_DN, replicaDn } from './remote-step.ts';
import { REPL_PASSWORD_ARG, replicationPassword } from './replication-setup.ts';
import { roleFor } from './rebuilt-role.ts';

/**
 * Creates this host's outgoing agreements: one per peer and suffix, peers from the topology (the
 * CA suffix only between CA hosts). All missing agreements go in one ldapmodify.
 */

export function agreementDn(host: string, peer: string, suffix: string): string {
  return `cn=${host}-to-${peer},${replicaDn(suffix)}`;
}

export function agreementRecord(host: string, peer: InventoryHost, port: number, suffix: string, password: string): string {
  return addRecord(agreementDn(host, peer.name, suffix), {
    objectClass: ['top', 'nsds5replicationagreement'],
    cn: [`${host}-to-${peer.name}`],
    description: [`${host} to ${peer.name} (lifeboat)`],
    nsDS5ReplicaRoot: [suffix],
    nsDS5ReplicaHost: [hostFqdn(peer)],
    nsDS5ReplicaPort: [String(port)],
    nsDS5ReplicaTransportInfo: ['LDAP'],
    nsDS5ReplicaBindMethod: ['SIMPLE'],
    nsDS5ReplicaBindDN: [REPLICATION_MANAGER_DN],
    nsDS5ReplicaCredentials: [password],
  });
}

function wanted(ctx: ActionContext): { suffix: string; peer: InventoryHost }[] {
  const out: { suffix: string; peer: InventoryHost }[] = [];
  // `to`: only toward those hosts (a rebuild: the survivors' agreements to the rebuilt host, no others).
  const to = ctx.args.to;
  const only = to === undefined || to === null || to === '' || to === 'all' ? undefined : Array.isArray(to) ? to.map(String) : String(to).split(',').map((x) => x.trim());
  for (const suffix of hostSuffixes(ctx.inventory, ctx.host)) {
    // A read-only consumer sends nothing: its suppliers' agreements to it are all it has.
    if (roleFor(ctx, ctx.host, suffix) === 'consumer') continue;
    for (const peer of peersFor(ctx.inventory, ctx.host, suffix, ctx.vars)) if (!only || only.includes(peer.name)) out.push({ suffix, peer });
  }
  return out;
}


export const agreementCreate: Action = {
  name: 'agreement.create',
  description: 'Create replication agreements to the topology peers for each suffix (CA suffix: CA hosts only)',
  args: { repl_password_secret: REPL_PASSWORD_ARG, to: TO_ARG },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    // A topology an earlier step discovers is known only when the run gets there.
    const list = mainTopology(ctx.inventory, ctx.vars) ? wanted(ctx).map((w) => `${w.peer.name} (${w.suffix})`) : ['the peers of the discovered topology'];
    return [
      { host: ctx.host.name, command: listAgreementsCommand(inst), note: 'existing agreements are kept: one to the same peer and suffix, whatever its name, counts' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: agreements to ${list.join(', ') || 'nobody'} (credentials ***)` },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    // An agreement to the peer for the suffix counts whatever its name (administrators name them
    // their own way): a second one to the same consumer would only collide with it ("busy replica").
    const existing = await listAgreements(remote, ctx.inventory, ctx.host.name, inst, undefined, { signal: ctx.signal });
    const has = (w: { suffix: string; peer: InventoryHost }) =>
      existing.some((a) => sameDn(a.dn, agreementDn(ctx.host.name, w.peer.name, w.suffix)) || (a.peer === w.peer.name && sameDn(a.suffix, w.suffix)));
    const missing = wanted(ctx).filter((w) => !has(w));
    if (missing.length === 0) return { changed: false, summary: 'agreements exist' };
    const password = await replicationPassword(ctx);
    const ldif = joinRecords(missing.map((w) => agreementRecord(ctx.host.name, w.peer, ldapPort(ctx.inventory, w.peer), w.suffix, password)));
    await ldapModify(remote, inst, ldif, { signal: ctx.signal });
    return {
      changed: true,
      summary: `agreements to ${missing.map((w) => `${w.peer.name}${w.suffix === hostSuffixes(ctx.inventory, ctx.host)[0] ? '' : ` (${w.suffix})`}`).join(', ')}`,
      output: { agreements: missing.map((w) => ({ peer: w.peer.name, suffix: w.suffix })) },
    };
  },
};
