import type { Action, ActionContext, ArgSpec, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { hostSuffixes, instanceName, replicaId } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { addRecord, joinRecords } from '../replication/ldif-build.ts';
import { REPLICATION_MANAGER_DN, replicaDn } from './remote-step.ts';
import { chooseReplicaId, inventoryIdFor, type ChosenId } from './replica-ids.ts';

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

export function replicaRecord(suffix: string, id: number): string {
  return addRecord(replicaDn(suffix), {
    objectClass: ['top', 'nsds5replica', 'extensibleObject'],
    cn: ['replica'],
    nsDS5ReplicaRoot: [suffix],
    nsDS5ReplicaType: ['3'],
    nsDS5Flags: ['1'],
    nsDS5ReplicaId: [String(id)],
    nsDS5ReplicaBindDN: [REPLICATION_MANAGER_DN],
  });
}

const EXISTING_FILTER = '(|(objectClass=nsds5replica)(cn=replication manager))';

function idOf(ctx: ActionContext): number {
  const id = replicaId(ctx.inventory, ctx.host);
  if (!id || !Number.isInteger(id) || id < 1 || id > 65534) {
    throw new ActionError(`${ctx.host.name}: replication.setup needs host var replica_id (1..65534), got ${id}`);
  }
  return id;
}

function plannedIds(ctx: ActionContext): string {
  return hostSuffixes(ctx.inventory, ctx.host).map((s) => `${s}: id from the survivors' RUVs, else ${inventoryIdFor(ctx, s)}`).join('; ');
}

export const replicationSetup: Action = {
  name: 'replication.setup',
  description: 'Enable supplier replication (replica id, replication manager) for every suffix the host holds',
  args: { repl_password_secret: REPL_PASSWORD_ARG },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    idOf(ctx);
    return [
      { host: ctx.host.name, command: searchCommand(inst, 'cn=config', 'sub', EXISTING_FILTER, ['nsDS5ReplicaRoot']), note: 'only what is missing is added' },
      { host: ctx.host.name, command: '(every other holder of each suffix) ldapsearch replica entry and RUV', note: 'read-only: which id the survivors record for this host; an id another replica of the suffix uses is refused' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: replication manager (userPassword ***), replica entries (${plannedIds(ctx)})` },
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
    for (const suffix of hostSuffixes(ctx.inventory, ctx.host)) {
      const done = existing.some((e) => (e.attrs['nsds5replicaroot']?.[0] ?? '').toLowerCase() === suffix.toLowerCase());
      // Every id is chosen and checked before anything is created.
      if (!done) added.push(await chooseReplicaId(ctx, suffix));
    }
    records.push(...added.map((a) => replicaRecord(a.suffix, a.id)));
    if (records.length === 0) return { changed: false, summary: 'replication already enabled' };
    await ldapModify(remote, inst, joinRecords(records), { signal: ctx.signal });
    return {
      changed: true,
      summary: `supplier ${added.map((a) => `${a.suffix} id ${a.id}${a.source === 'survivors-ruv' ? ' (from the survivors\' RUVs)' : ''}`).join(', ') || 'for existing suffixes'}`,
      output: { replicaIds: added },
    };
  },
};
