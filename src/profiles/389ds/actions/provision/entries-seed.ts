import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName, mainSuffixes } from '../host-vars.ts';
import { ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { addRecord } from '../replication/ldif-build.ts';

/**
 * Seeds test entries (uid=userNNNNN under ou=people) in ONE ldapmodify stream. Run it on the host
 * that initializes the others, before the total update, so the entries travel in bulk.
 */

export function userUid(i: number): string {
  return `user${String(i).padStart(5, '0')}`;
}

export function seedLdif(base: string, from: number, to: number, withOu: boolean): string {
  const people = `ou=people,${base}`;
  const parts: string[] = [];
  if (withOu) parts.push(addRecord(people, { objectClass: ['top', 'organizationalUnit'], ou: ['people'] }));
  for (let i = from; i <= to; i++) {
    const uid = userUid(i);
    parts.push(
      `dn: uid=${uid},${people}\nchangetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n` +
        `objectClass: inetOrgPerson\nuid: ${uid}\ncn: Lab User ${i}\nsn: User${i}\nmail: ${uid}@lab.test\n`,
    );
  }
  return parts.join('\n');
}

function baseOf(ctx: ActionContext): string {
  const base = (ctx.args.base as string | undefined) || mainSuffixes(ctx.inventory, ctx.host)[0];
  if (!base) throw new ActionError(`${ctx.host.name}: entries.seed needs a base (argument or inventory suffixes)`);
  return base;
}

export const entriesSeed: Action = {
  name: 'entries.seed',
  description: 'Add N test entries (uid=userNNNNN,ou=people,<suffix>) in one ldapmodify stream',
  args: {
    count: { type: 'number', required: true, description: 'Number of entries' },
    base: { type: 'string', description: 'Suffix to seed; default: the first inventory suffix' },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const base = baseOf(ctx);
    return [
      { host: ctx.host.name, command: searchCommand(inst, `ou=people,${base}`, 'base', '(objectClass=*)', ['1.1']), note: 'is ou=people there?' },
      { host: ctx.host.name, command: searchCommand(inst, `ou=people,${base}`, 'one', '(uid=*)', ['1.1']), note: 'when it is: entries already there are not added again' },
      { host: ctx.host.name, command: modifyCommand(inst), stdin: `LDIF: ou=people and ${Number(ctx.args.count)} inetOrgPerson entries` },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const base = baseOf(ctx);
    const count = Number(ctx.args.count);
    if (!Number.isInteger(count) || count < 0) throw new ActionError(`entries.seed: count must be a whole number, got ${ctx.args.count}`);
    const remote = await ctx.connect();
    const ou = await ldapSearch(remote, inst, `ou=people,${base}`, 'base', '(objectClass=*)', ['1.1'], { signal: ctx.signal });
    const have = ou.length ? (await ldapSearch(remote, inst, `ou=people,${base}`, 'one', '(uid=*)', ['1.1'], { signal: ctx.signal })).length : 0;
    if (ou.length && have >= count) return { changed: false, summary: `${have} entries present` };
    await ldapModify(remote, inst, seedLdif(base, have + 1, count, ou.length === 0), { signal: ctx.signal, timeoutMs: 900_000 });
    return { changed: true, summary: `added ${count - have} entries under ou=people,${base}` };
  },
};
