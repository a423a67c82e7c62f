import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { agreementCreate } from '../../../src/profiles/389ds/actions/provision/agreement-create.ts';
import { rebuiltRoles, roleFor, roleVar } from '../../../src/profiles/389ds/actions/provision/rebuilt-role.ts';
import { replicationSetup } from '../../../src/profiles/389ds/actions/provision/replication-setup.ts';
import type { HostRead } from '../../../src/profiles/389ds/actions/replication/topology-walk.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

const D = 'dc=lab,dc=test';
const CA = 'o=ipaca';
const ssh = { user: 'root', port: 22, hostKeyPolicy: 'strict' as const, become: false, useAgent: false, connectTimeoutMs: 1, keepaliveMs: 1, connectRetries: 0 };
const host = (i: number, vars: Record<string, unknown> = {}, roles: string[] = []): InventoryHost => ({
  name: `ds${i}`, address: `10.0.0.${i}`, roles, groups: [], vars: { replica_id: i, fqdn: `ds${i}.lab.test`, ...vars }, ssh,
});
const inventory = (hosts: InventoryHost[]): Inventory => ({
  file: '/x/lab.yaml', cluster: 'lab', profile: '389ds', groups: {}, secrets: {}, vars: { instance: 'lab', suffixes: [D], ca_suffix: CA }, hosts,
});
/** A survivor that read its RUV of `suffix`, naming these suppliers (`host:port`). */
const read = (h: string, suffix: string, named: string[]): HostRead => ({
  host: h,
  replicas: [{ suffix, id: Number(h.slice(2)), role: 'supplier' }],
  agreements: [],
  ruvSuppliers: { [suffix]: Object.fromEntries(named.map((n, i) => [String(i + 1), n])) },
});

describe('what a rebuilt host was, per suffix', () => {
  it('a supplier when any survivor\'s RUV names it (by FQDN or name), whatever the case of the suffix', () => {
    const inv = inventory([host(1), host(2), host(3)]);
    expect(rebuiltRoles({ inventory: inv }, inv.hosts[2]!, [D], [read('ds1', 'DC=lab,dc=test', ['ds1.lab.test:389', 'DS3.lab.test:389'])])).toEqual({ [D]: 'supplier' });
  });

  it('no RUV names it and no host var: refused before anything changes, saying which var to set', () => {
    const inv = inventory([host(1), host(2), host(3)]);
    expect(() => rebuiltRoles({ inventory: inv }, inv.hosts[2]!, [D], [read('ds1', D, ['ds1.lab.test:389', 'ds2.lab.test:389']), read('ds2', D, ['ds1.lab.test:389'])])).toThrow(
      /ds3 cannot be rebuilt as it was; nothing was changed:\n- dc=lab,dc=test: no survivor's RUV records ds3 \(read on ds1, ds2\), so it was a read-only consumer .* replica_role: consumer \(or supplier\) for ds3/,
    );
  });

  it('host var replica_role decides, for every suffix or per suffix; a hub is refused; a wrong value is named', () => {
    const inv = inventory([host(1), host(2, { replica_role: 'Consumer' }), host(3, { replica_role: { [CA]: 'consumer' } }), host(4, { replica_role: 'hub' }), host(5, { replica_role: 'reader' })]);
    const survivors = [read('ds1', D, ['ds1.lab.test:389', 'ds3.lab.test:389']), read('ds1', CA, ['ds1.lab.test:389', 'ds3.lab.test:389'])];
    expect(rebuiltRoles({ inventory: inv }, inv.hosts[1]!, [D], survivors)).toEqual({ [D]: 'consumer' });
    expect(rebuiltRoles({ inventory: inv }, inv.hosts[2]!, [D, CA], survivors)).toEqual({ [D]: 'supplier', [CA]: 'consumer' });
    expect(() => rebuiltRoles({ inventory: inv }, inv.hosts[3]!, [D], survivors)).toThrow('ds4 was a hub; the agreements to the consumers it fed lived on it alone');
    expect(() => roleVar(inv.hosts[4]!, D)).toThrow('ds5: host var replica_role must be supplier, consumer or hub, got "reader"');
  });

  it('later steps take the discovered role (fact rebuilt_roles) over the host var, else supplier', () => {
    const h = host(3, { replica_role: 'supplier' });
    expect(roleFor({ vars: { rebuilt_roles: { ds3: { [D]: 'consumer' } } } }, h, 'DC=LAB,DC=TEST')).toBe('consumer');
    expect(roleFor({ vars: {} }, h, D)).toBe('supplier');
    expect(roleFor({ vars: {} }, host(3), D)).toBe('supplier');
  });
});

describe('a consumer rebuilt as a consumer', () => {
  const inv = inventory([host(1), host(2), host(3, {}, [])]);
  inv.vars.topology = { ds1: ['ds2', 'ds3'], ds2: ['ds1', 'ds3'], ds3: [] };
  const ctx = (h: InventoryHost, remote: ActionContext['connect'] extends (...a: never[]) => Promise<infer R> ? R : never): ActionContext => ({
    host: h, inventory: inv, args: {}, vars: { rebuilt_roles: { ds3: { [D]: 'consumer' } } }, connect: async () => remote, secret: () => Promise.resolve('pw-secret-123'),
    signal: new AbortController().signal, emit: () => undefined, runDir: '/tmp', check: false,
  });

  it('replication.setup adds a read-only replica (type 2, flags 0, id 65535) without reading any id from the survivors', async () => {
    const h = scriptedHost('ds3', (c) => (c.startsWith('ldapsearch') ? { stdout: '' } : undefined));
    const r = await replicationSetup.run(ctx(inv.hosts[2]!, h.remote));
    expect(r.summary).toBe(`read-only consumer of ${D}`);
    const add = h.execs.find((e) => e.command.startsWith('ldapmodify'))!;
    expect(add.stdin).toContain('nsDS5ReplicaType: 2\nnsDS5Flags: 0\nnsDS5ReplicaId: 65535\n');
    expect(add.stdin).toContain('dn: cn=replication manager,cn=config');
    // One search (what exists), no RUV read to choose an id.
    expect(h.execs.filter((e) => e.command.startsWith('ldapsearch'))).toHaveLength(1);
  });

  it('agreement.create gives it no agreement of its own; a survivor still gets its agreement to it', async () => {
    const h = scriptedHost('ds3', (c) => (c.startsWith('ldapsearch') ? { stdout: '' } : undefined));
    expect((await agreementCreate.run(ctx(inv.hosts[2]!, h.remote))).summary).toBe('agreements exist');
    expect(h.execs.some((e) => e.command.startsWith('ldapmodify'))).toBe(false);
    const s = scriptedHost('ds1', (c) => (c.startsWith('ldapsearch') ? { stdout: '' } : undefined));
    expect((await agreementCreate.run({ ...ctx(inv.hosts[0]!, s.remote), args: { to: 'ds3' } })).summary).toBe('agreements to ds3');
  });
});
