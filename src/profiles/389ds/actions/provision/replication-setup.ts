import type { Action, ActionContext, ArgSpec, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { hostSuffixes, instanceName, replicaId } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { addRecord, joinRecords } from '../replication/ldif-build.ts';
import { REPLICATION_MANAGER_DN, replicaDn } from './remote-step.ts';
import { chooseReplicaId, inventoryIdFor, type ChosenId } from './replica-ids.ts';
import { cleanAllRuvRecord } from './clean-ruv.ts';
import { roleFor } from './rebuilt-role.ts';

/**
 * Makes the host a supplier for each of its suffixes (the main ones, plus o=ipaca on CA hosts):
 * the replication manager entry and one replica entry per suffix, in ONE ldapmodify. 389-ds 2.x
 * creates each backend's changelog itself when the replica entry appears.
 */

/**
 * The replication manager's password: the inventory secret the step names (default repl_password),
 * resolved by the engine before connecting. No fallback to another secret: a missing one is an
 * error before the run starts, not a silent reuse of the Directory Manager's password.
 */
export function replicationPassword(ctx: ActionContext): Promise<string> {
  return ctx.secret(String(ctx.args.repl_password_secret ?? REPL_PASSWORD_ARG.default));
}

/** The ArgSpec entry of every action that sends the replication manager's password. */
export const REPL_PASSWORD_ARG = {
  type: 'string',
  default: 'repl_password',
  secretSource: 'inventory',
  description: 'inventory secret holding the replication manager password (given on stdin in LDIF)',
} as const satisfies ArgSpec;

export function managerRecord(password: string): string {
  return addRecord(REPLICATION_MANAGER_DN, {
    objectClass: ['top', 'netscapeServer', 'nsAccount'],
    cn: ['replication manager'],
    userPassword: [password],
  });
}

/** A read-only consumer's replica id: the same on every consumer, never in a RUV. */
export const CONSUMER_ID = 65535;

/** A supplier's replica entry (type 3, changelog), or a consumer's (type 2, no changelog, id 65535). */
export function replicaRecord(suffix: string, id: number, role: 'supplier' | 'consumer' = 'supplier'): string {
  const consumer = role === 'consumer';
  return addRecord(replicaDn(suffix), {
    objectClass: ['top', 'nsds5replica', 'extensibleObject'],
    cn: ['replica'],
    nsDS5ReplicaRoot: [suffix],
    nsDS5ReplicaType: [consumer ? '2' : '3'],
    nsDS5Flags: [consumer ? '0' : '1'],
    nsDS5ReplicaId: [String(consumer ? CONSUMER_ID : id)],
    nsDS5ReplicaBindDN: [REPLICATION_MANAGER_DN],
  });
}

const EXISTING_FILTER = '(|(objectClass=nsds5replica)(cn=replication manager))';

function idOf(ctx: ActionContext): number | undefined {
  // A host whose every suffix is known to be a consumer needs no id of its own.
  if (hostSuffixes(ctx.inventory, ctx.host).every((s) => roleFor(ctx, ctx.host, s) === 'consumer')) return undefined;
  const id = replicaId(ctx.inventory, ctx.host);
  if (!id || !Number.isInteger(id) || id < 1 || id > 65534) {
    throw new ActionError(`${ctx.host.name}: replication.setup needs host var replica_id (1..65534), got ${id}`);
  }
  return id;
}

function plannedIds(ctx: ActionContext): string {
  return hostSuffixes(ctx.inventory, ctx.host)
    .map((s) => (roleFor(ctx, ctx.host, s) === 'consumer' ? `${s}: read-only consumer, id ${CONSUMER_ID}` : `${s}: id from the survivors' RUVs, else ${inventoryIdFor(ctx, s)}`))
    .join('; ');
}

/** Starts one CLEANALLRUV task per stale id, on a survivor of its suffix; returns "id N of SUFFIX on HOST". */
async function cleanStaleIds(ctx: ActionContext, added: ChosenId[]): Promise<string[]> {
  const started: string[] = [];
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  for (const a of added) {
    if (!a.cleanOn || a.stale.length === 0) continue;
    const survivor = ctx.inventory.hosts.find((h) => h.name === a.cleanOn)!;
    await ldapModify(await ctx.connect(survivor.name), instanceName(ctx.inventory, survivor), joinRecords(a.stale.map((id) => cleanAllRuvRecord(a.suffix, id, stamp))), { signal: ctx.signal });
    started.push(...a.stale.map((id) => `id ${id} of ${a.suffix} on ${survivor.name}`));
  }
  return started;
}

export const replicationSetup: Action = {
  name: 'replication.setup',
  description: 'Enable replication (replication manager, a replica entry per suffix: a supplier with its replica id, or a read-only consumer where the survivors or host var replica_role say so)',
  args: { repl_password_secret: REPL_PASSWORD_ARG },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    idOf(ctx);
    return [
      { host: ctx.host.name, command: searchCommand(inst, 'cn=config', 'sub', EXISTING_FILTER, ['nsDS5ReplicaRoot']), note: 'only what is missing is added' },
      { host: ctx.host.name, command: '(every other holder of each suffix) ldapsearch replica entry and RUV', note: 'read-only: which id the survivors record for this host; an id another replica of the suffix uses is refused' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: replication manager (userPassword ***), replica entries (${plannedIds(ctx)})` },
      { host: ctx.host.name, command: `(a survivor holding the suffix) ${modifyCommand(inst)}`, stdin: 'LDIF: CLEANALLRUV task per old id the RUVs still record for this host', note: 'only when an id this host no longer uses is still in the survivors\' RUVs' },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    idOf(ctx);
    const remote = await ctx.connect();
    const existing = await ldapSearch(remote, inst, 'cn=config', 'sub', EXISTING_FILTER, ['nsDS5ReplicaRoot'], { signal: ctx.signal });
    const has = (dn: string) => existing.some((e) => e.dn.toLowerCase() === dn.toLowerCase());
    const records: string[] = [];
    if (!has(REPLICATION_MANAGER_DN)) records.push(managerRecord(await replicationPassword(ctx)));
    const added: ChosenId[] = [];
    const consumers: string[] = [];
    for (const suffix of hostSuffixes(ctx.inventory, ctx.host)) {
      const done = existing.some((e) => (e.attrs['nsds5replicaroot']?.[0] ?? '').toLowerCase() === suffix.toLowerCase());
      if (done) continue;
      // What the survivors say it was (topology.discover): a consumer stays read-only.
      if (roleFor(ctx, ctx.host, suffix) === 'consumer') consumers.push(suffix);
      // Every id is chosen and checked before anything is created.
      else added.push(await chooseReplicaId(ctx, suffix));
    }
    records.push(...added.map((a) => replicaRecord(a.suffix, a.id)), ...consumers.map((s) => replicaRecord(s, CONSUMER_ID, 'consumer')));
    if (records.length === 0) return { changed: false, summary: 'replication already enabled' };
    await ldapModify(remote, inst, joinRecords(records), { signal: ctx.signal });
    const cleaned = await cleanStaleIds(ctx, added);
    const source = { 'survivors-ruv': " (from the survivors' RUVs)", fresh: ' (fresh: the old one is taken)', inventory: '' };
    return {
      changed: true,
      summary: [
        added.length ? `supplier ${added.map((a) => `${a.suffix} id ${a.id}${source[a.source]}`).join(', ')}` : '',
        consumers.length ? `read-only consumer of ${consumers.join(', ')}` : '',
      ].filter(Boolean).join('; ') + (cleaned.length ? `; CLEANALLRUV started for ${cleaned.join(', ')}` : '') || 'replication enabled for existing suffixes',
      output: { replicaIds: added, consumerOf: consumers, cleanAllRuv: cleaned },
    };
  },
};
