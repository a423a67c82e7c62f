import { setTimeout as sleep } from 'node:timers/promises';
import { ldapModify, ldapSearch, attr } from '../actions/ldap.ts';
import { addRecord, deleteRecord, replaceRecord } from '../actions/replication/ldif-build.ts';
import type { RemoteHost } from '../../../transport/types.ts';

/**
 * The data-loss scenario's damage, made after the backup and replicated everywhere: entries added
 * on two different hosts, one deleted, one attribute modified. `assessDamage` then reads every host
 * directly and says whether the restore undid each of them.
 */

export type Connect = (host: string) => Promise<RemoteHost>;

export interface DamagePlan {
  suffix: string;
  instance: string;
  /** Host -> DN added there after the backup. */
  added: Record<string, string>;
  deleted: { host: string; dn: string };
  modified: { host: string; dn: string; attribute: string; before: string; after: string };
}

/** `pick` chooses which seeded users are deleted and modified (user 2*pick and 2*pick-1), so several runs on one lab do not collide. */
export function planDamage(opts: { suffix: string; instance: string; hosts: string[]; master: string; tag: string; pick?: number }): DamagePlan {
  const pick = opts.pick ?? 1;
  const uid = (i: number) => `user${String(i).padStart(5, '0')}`;
  const others = opts.hosts.filter((h) => h !== opts.master);
  const a = others[0] ?? opts.master;
  const b = others[1] ?? others[0] ?? opts.master;
  const people = `ou=people,${opts.suffix}`;
  return {
    suffix: opts.suffix,
    instance: opts.instance,
    added: { [a]: `uid=after-backup-${opts.tag}-${a},${people}`, [b]: `uid=after-backup-${opts.tag}-${b},${people}` },
    deleted: { host: b, dn: `uid=${uid(2 * pick)},${people}` },
    modified: { host: others[2] ?? a, dn: `uid=${uid(2 * pick - 1)},${people}`, attribute: 'sn', before: `User${2 * pick - 1}`, after: `Changed after backup ${opts.tag}` },
  };
}

function uidOf(dn: string): string {
  return dn.split(',')[0]!.replace(/^uid=/, '');
}

/** Adds, deletes and modifies, each on its own host. */
export async function applyDamage(connect: Connect, plan: DamagePlan): Promise<void> {
  for (const [host, dn] of Object.entries(plan.added)) {
    const uid = uidOf(dn);
    await ldapModify(await connect(host), plan.instance, addRecord(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: [uid], cn: [uid], sn: ['Added'] }));
  }
  await ldapModify(await connect(plan.deleted.host), plan.instance, deleteRecord(plan.deleted.dn));
  await ldapModify(await connect(plan.modified.host), plan.instance, replaceRecord(plan.modified.dn, plan.modified.attribute, [plan.modified.after]));
}

export interface HostDamage {
  host: string;
  /** Entries added after the backup that this host still has. */
  addedPresent: string[];
  deletedPresent: boolean;
  modifiedValue: string | undefined;
}

export async function readDamage(connect: Connect, plan: DamagePlan, host: string): Promise<HostDamage> {
  const remote = await connect(host);
  const one = async (dn: string, attrs: string[]) => (await ldapSearch(remote, plan.instance, dn, 'base', '(objectClass=*)', attrs))[0];
  const addedPresent: string[] = [];
  for (const dn of Object.values(plan.added)) if (await one(dn, ['1.1'])) addedPresent.push(dn);
  return {
    host,
    addedPresent,
    deletedPresent: Boolean(await one(plan.deleted.dn, ['1.1'])),
    modifiedValue: attr(await one(plan.modified.dn, [plan.modified.attribute]), plan.modified.attribute),
  };
}

export function isDamaged(plan: DamagePlan, d: HostDamage): boolean {
  return d.addedPresent.length === Object.keys(plan.added).length && !d.deletedPresent && d.modifiedValue === plan.modified.after;
}

export function isRestored(plan: DamagePlan, d: HostDamage): boolean {
  return d.addedPresent.length === 0 && d.deletedPresent && d.modifiedValue === plan.modified.before;
}

/** Waits until every host shows the whole damage (it replicated), so the restore has something to undo. */
export async function waitForDamageEverywhere(connect: Connect, plan: DamagePlan, hosts: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(hosts.map((h) => readDamage(connect, plan, h)));
    const behind = states.filter((s) => !isDamaged(plan, s));
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the damage did not replicate to ${behind.map((b) => b.host).join(', ')} within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
