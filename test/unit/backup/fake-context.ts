import type { ActionContext, ActionEvent } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { defaultSshSettings } from '../../../src/inventory/index.ts';
import type { RemoteHost } from '../../../src/transport/types.ts';

export function host(name: string, roles: string[], vars: Record<string, unknown> = {}): InventoryHost {
  return { name, address: `${name}.lab.test`, roles, groups: [], vars, ssh: defaultSshSettings() };
}

export function inventory(hosts: InventoryHost[], vars: Record<string, unknown> = {}, file = '/tmp/lb-inv/inventory.yaml'): Inventory {
  return { file, cluster: 'lab', profile: '389ds', vars: { instance: 'lab', suffixes: ['dc=lab,dc=test'], ...vars }, hosts, groups: {}, secrets: {} };
}

/** An ActionContext for one host, recording events; `remote` is what connect() returns. */
export function fakeContext(opts: {
  inv: Inventory;
  host: string;
  args: Record<string, unknown>;
  remote?: RemoteHost;
  secrets?: Record<string, string>;
  check?: boolean;
}): ActionContext & { events: ActionEvent[] } {
  const events: ActionEvent[] = [];
  const h = opts.inv.hosts.find((x) => x.name === opts.host);
  if (!h) throw new Error(`no host ${opts.host}`);
  return {
    host: h,
    inventory: opts.inv,
    args: opts.args,
    vars: {},
    async connect() {
      if (!opts.remote) throw new Error('this test does not connect');
      return opts.remote;
    },
    async secret(name) {
      const v = opts.secrets?.[name];
      if (v === undefined) throw new Error(`unknown secret "${name}"`);
      return v;
    },
    signal: new AbortController().signal,
    emit: (e) => events.push({ host: h.name, ...e }),
    runDir: '/tmp',
    check: opts.check ?? false,
    events,
  };
}
