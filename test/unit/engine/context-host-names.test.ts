/** An action on one host that reaches another: a transport failure there names that host. */
import { describe, expect, it } from 'vitest';
import { actionContext, SecretCache } from '../../../src/engine/context.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import type { RemoteHost } from '../../../src/transport/types.ts';

const host = (name: string) => ({ name, address: `10.0.0.${name.slice(2)}`, roles: [], groups: [], vars: {}, ssh: {} }) as unknown as InventoryHost;
const inventory = { file: '/x.yaml', cluster: 'c', profile: '389ds', vars: {}, hosts: [host('ds1'), host('ds4')], groups: {}, secrets: {} } as Inventory;

function remote(name: string, fail: Error): RemoteHost {
  return { name, exec: () => Promise.reject(fail), put: () => Promise.reject(fail), get: () => Promise.reject(fail), close: async () => undefined };
}

function ctxWith(get: (h: string) => Promise<RemoteHost>) {
  return actionContext({
    step: 9, host: inventory.hosts[0]!, inventory, args: {}, vars: {}, secrets: new SecretCache(inventory), signal: new AbortController().signal,
    runDir: '/tmp', check: false, records: [], emit: () => undefined, connector: { get, closeAll: async () => undefined },
  });
}

describe('errors from another host name it', () => {
  it('a connection that cannot be made', async () => {
    const ctx = ctxWith((h) => (h === 'ds4' ? Promise.reject(new Error('connect EHOSTUNREACH 10.0.0.4:22')) : Promise.resolve(remote(h, new Error('x')))));
    await expect(ctx.connect('ds4')).rejects.toThrow(/^ds4: connect EHOSTUNREACH 10\.0\.0\.4:22$/);
  });

  it('a connection lost mid-way (ssh2 keepalive: "No response from server") says what that means', async () => {
    const ctx = ctxWith(async (h) => remote(h, new Error('No response from server')));
    const r = await ctx.connect('ds4');
    await expect(r.exec('true')).rejects.toThrow('ds4: No response from server (the SSH connection to ds4 was lost: is the host down or cut off?)');
    // The step's own host is named by the step's error already ("... on ds1: ...").
    await expect((await ctx.connect()).exec('true')).rejects.toThrow(/^No response from server \(the SSH connection to ds1 was lost/);
  });

  it('a command failing with an exit code is left as the action reports it', async () => {
    const ok: RemoteHost = { ...remote('ds4', new Error('x')), exec: async () => ({ code: 1, stdout: '', stderr: 'no', durationMs: 1 }) as never };
    const ctx = ctxWith(async () => ok);
    await expect((await ctx.connect('ds4')).exec('false')).resolves.toMatchObject({ code: 1 });
  });
});
