import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { checkDmPasswordOnPeers, dmBindCommand } from '../../../src/profiles/389ds/actions/provision/dm-password-check.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

const host = (name: string) => ({ name, address: name, roles: [], groups: [], vars: {}, ssh: {} }) as unknown as InventoryHost;
const inventory = { file: 'inv.yaml', cluster: 'c', profile: '389ds', vars: { instance: 'lab' }, hosts: ['ds1', 'ds2', 'ds3'].map(host), groups: {}, secrets: {} } as Inventory;

function context(codes: Record<string, number | 'down'>) {
  const hosts = Object.fromEntries(Object.entries(codes).map(([n, c]) => [n, scriptedHost(n, () => (c === 'down' ? undefined : { code: c }))]));
  const ctx = {
    host: host('ds3'), inventory, args: { dm_password_secret: 'dm_password' }, vars: {}, signal: new AbortController().signal,
    connect: async (name?: string) => {
      if (codes[name!] === 'down') throw new Error('connect ECONNREFUSED');
      return hosts[name!]!.remote;
    },
  } as unknown as ActionContext;
  return { ctx, hosts };
}

describe('instance.create: the Directory Manager password is the one the replicas have', () => {
  it('binds on a peer with the password on stdin only, never in the command line', async () => {
    const { ctx, hosts } = context({ ds1: 0 });
    await checkDmPasswordOnPeers(ctx, [host('ds1')], 'Correct-DM-pw');
    expect(hosts.ds1!.execs).toEqual([{ command: dmBindCommand('lab'), stdin: 'Correct-DM-pw' }]);
    expect(dmBindCommand('lab')).not.toContain('Correct-DM-pw');
  });

  it('a wrong password (LDAP 49) stops before anything is created, naming the secret and the peer, not the value', async () => {
    const { ctx } = context({ ds1: 49 });
    const err = await checkDmPasswordOnPeers(ctx, [host('ds1')], 'Wrong-DM-pw').catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'ds3: the Directory Manager password in secret dm_password is not the one ds1 has (its slapd-lab answered "Invalid credentials"); the rebuilt host would get another one than the replicas it joins. Nothing was created: fix the secret and run again',
    );
  });

  it('a peer that cannot tell (down, no server) hands over to the next one', async () => {
    const { ctx, hosts } = context({ ds1: 'down', ds2: 255 , ds3: 49 });
    await expect(checkDmPasswordOnPeers(ctx, [host('ds1'), host('ds2'), host('ds3')], 'Wrong-DM-pw')).rejects.toThrow(/not the one ds3 has/);
    expect(hosts.ds2!.execs.length).toBe(1);
  });
});
