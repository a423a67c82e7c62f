import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { provisionActions } from '../../../src/profiles/389ds/actions/provision/index.ts';
import { agreementCreate, agreementRecord } from '../../../src/profiles/389ds/actions/provision/agreement-create.ts';
import { infText, instanceCreate } from '../../../src/profiles/389ds/actions/provision/instance-create.ts';
import { peersFor } from '../../../src/profiles/389ds/actions/provision/peers.ts';
import { replicaRecord } from '../../../src/profiles/389ds/actions/provision/replication-setup.ts';
import { suffixCreate, suffixLdif } from '../../../src/profiles/389ds/actions/provision/suffix-create.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';
import { seedLdif } from '../../../src/profiles/389ds/actions/provision/entries-seed.ts';

const ssh = { user: 'root', port: 22, hostKeyPolicy: 'strict' as const, become: false, useAgent: false, connectTimeoutMs: 1, keepaliveMs: 1, connectRetries: 0 };
const host = (i: number, roles: string[]): InventoryHost => ({
  name: `ds${i}`, address: `10.0.0.${i}`, roles, groups: [], vars: { replica_id: i, fqdn: `ds${i}.lab.test` }, ssh,
});
const inv: Inventory = {
  file: '/x/lab.yaml', cluster: 'lab', profile: '389ds', groups: {}, secrets: { dm_password: { value: 'x' } },
  vars: { instance: 'lab', suffixes: ['dc=lab,dc=test'], ca_suffix: 'o=ipaca', topology: { ds1: ['ds2', 'ds3'], ds2: ['ds1', 'ds3'], ds3: ['ds1', 'ds2'] } },
  hosts: [host(1, ['ca']), host(2, ['ca']), host(3, ['hidden'])],
};
const ctx = (h: InventoryHost, args: Record<string, unknown> = {}): ActionContext => ({
  host: h, inventory: inv, args, vars: {}, connect: () => Promise.reject(new Error('no')), secret: () => Promise.resolve('pw-secret-123'),
  signal: new AbortController().signal, emit: () => undefined, runDir: '/tmp', check: false,
});

describe('389ds provisioning actions', () => {
  it('are all registered, each with a plan', () => {
    expect(provisionActions.map((a) => a.name).sort()).toEqual(
      ['agreement.create', 'entries.seed', 'instance.create', 'replication.init', 'replication.setup', 'suffix.create'],
    );
  });

  it('instance.create keeps the password out of argv and the plan; creates stopped, sets the given caches, then starts', async () => {
    const plan = await instanceCreate.plan(ctx(inv.hosts[0]!, { db_cache_mb: 32, entry_cache_mb: 16 }));
    expect(JSON.stringify(plan)).not.toContain('pw-secret-123');
    expect(plan.some((p) => p.command.includes('dscreate from-file "$f"') && p.stdin?.includes('***'))).toBe(true);
    expect(infText(inv, inv.hosts[0]!, 'pw')).toMatch(/full_machine_name = ds1\.lab\.test[\s\S]*start = False[\s\S]*instance_name = lab[\s\S]*suffix = dc=lab,dc=test/);
    const commands = plan.map((p) => p.command);
    const edit = commands.findIndex((c) => c.startsWith('sed -i'));
    expect(edit).toBeGreaterThan(commands.findIndex((c) => c.includes('dscreate')));
    expect(edit).toBeLessThan(commands.indexOf("dsctl 'lab' start"));
    expect(commands[edit]).toContain('s/^nsslapd-cache-autosize: .*/nsslapd-cache-autosize: 0/I;s/^nsslapd-dbcachesize: .*/nsslapd-dbcachesize: 33554432/I');
    expect(commands[edit]).toContain('nsslapd-cachememsize: 16777216');
    expect(commands).not.toContain("dsctl 'lab' restart");
  });

  it('instance.create without sizes plans to copy them from a topology peer, named', async () => {
    const plan = await instanceCreate.plan(ctx(inv.hosts[2]!));
    const read = plan.find((p) => p.command.startsWith('ldapsearch'));
    expect(read?.host).toBe('ds1');
    expect(read?.note).toBe('on ds1: its cache settings, which ds3 copies (else from the next that answers: ds2)');
    expect(plan.find((p) => p.command.startsWith('sed -i'))?.command).toContain('<peer>');
  });

  it('o=ipaca is replicated only between CA hosts; the main suffix follows the topology', () => {
    expect(peersFor(inv, inv.hosts[0]!, 'o=ipaca', {}).map((h) => h.name)).toEqual(['ds2']);
    expect(peersFor(inv, inv.hosts[2]!, 'dc=lab,dc=test', {}).map((h) => h.name)).toEqual(['ds1', 'ds2']);
  });

  it('a suffix only some hosts hold follows the main topology among its holders (plan of a rebuild, before discovery)', () => {
    // Seen on a lab: o=extra on ds1 and ds3 only; the main topology links ds1 to ds2 too. The plan
    // refused ("topology peer ds2 is not an inventory host holding o=extra") a run that would work.
    const some = (i: number): InventoryHost => ({ ...host(i, []), vars: { ...host(i, []).vars, suffixes: ['dc=lab,dc=test', 'o=extra'] } });
    const mixed: Inventory = { ...inv, hosts: [some(1), host(2, []), some(3)] };
    expect(peersFor(mixed, mixed.hosts[0]!, 'o=extra', {}).map((h) => h.name)).toEqual(['ds3']);
    expect(peersFor(mixed, mixed.hosts[0]!, 'dc=lab,dc=test', {}).map((h) => h.name)).toEqual(['ds2', 'ds3']);
    // No topology peer holds it: nothing to build the agreements from, said so.
    const alone: Inventory = { ...inv, hosts: [some(1), host(2, []), host(3, [])] };
    expect(() => peersFor(alone, alone.hosts[0]!, 'o=extra', {})).toThrow('ds1: none of its topology peers (ds2, ds3) holds o=extra');
  });

  it('suffix.create with suffix: all creates every suffix the host holds that its new instance lacks (a rebuild of a host with o=extra)', async () => {
    // Seen on a lab: server-loss of ds3 (dc=lab,dc=test and o=extra) created only the first suffix.
    const ds3: InventoryHost = { ...host(3, ['ca']), vars: { ...host(3, []).vars, suffixes: ['dc=lab,dc=test', 'o=extra'] } };
    const h = scriptedHost('ds3', (c) => (c.includes("-b 'cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config'") ? { stdout: 'dn: cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config\ncn: dc=lab,dc=test\n\n' } : c.startsWith('ldapsearch') ? { code: 32, stdout: '' } : undefined));
    const c = { ...ctx(ds3, { suffix: 'all' }), inventory: { ...inv, hosts: [ds3] }, connect: async () => h.remote };
    const r = await suffixCreate.run(c);
    expect(r.summary).toBe('created o=extra (backend extra, caches left to the server: no other host holds o=extra), o=ipaca (backend ipaca, caches left to the server: no other host holds o=ipaca); dc=lab,dc=test exists');
    const adds = h.execs.filter((e) => e.stdin?.includes('changetype: add'));
    expect(adds).toHaveLength(1);
    expect(adds[0]!.stdin).toContain('nsslapd-suffix: o=extra');
    expect(adds[0]!.stdin).toContain('nsslapd-suffix: o=ipaca');
    expect(adds[0]!.stdin).not.toContain('nsslapd-suffix: dc=lab,dc=test');
    expect((await suffixCreate.plan(c)).map((p) => p.stdin ?? '')).toContain('LDIF: add backend, mapping tree and root entry of every suffix of dc=lab,dc=test; o=extra; o=ipaca that does not exist');
  });

  it("suffix.create sizes a new backend like the same suffix's backend on a peer with fixed caches", async () => {
    const peerLdif = 'dn: cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cache-autosize: 0\nnsslapd-dbcachesize: 33554432\n\ndn: cn=ipaca,cn=ldbm database,cn=plugins,cn=config\nnsslapd-suffix: o=ipaca\nnsslapd-cachememsize: 25165824\nnsslapd-dncachememsize: 4194304\n';
    const peer = scriptedHost('ds2', (c) => (c.includes('nsslapd-suffix=o=ipaca') ? { stdout: peerLdif } : undefined));
    const me = scriptedHost('ds1', (c) => (c.startsWith('ldapsearch') ? { code: 32, stdout: '' } : undefined));
    const c = { ...ctx(inv.hosts[0]!, {}), connect: async (name?: string) => (name === 'ds2' ? peer.remote : me.remote) };
    const r = await suffixCreate.run(c);
    expect(r.summary).toBe('created o=ipaca (backend ipaca, entry cache 24 MiB like ds2)');
    const add = me.execs.find((e) => e.stdin?.includes('changetype: add'))!.stdin!;
    expect(add).toContain('nsslapd-cachememsize: 25165824');
    expect(add).toContain('nsslapd-dncachememsize: 4194304');
    // The size given wins, and no peer is read.
    const given = scriptedHost('ds1', (cmd) => (cmd.startsWith('ldapsearch') ? { code: 32, stdout: '' } : undefined));
    await suffixCreate.run({ ...ctx(inv.hosts[0]!, { entry_cache_mb: 16 }), connect: async () => given.remote });
    expect(given.execs.find((e) => e.stdin?.includes('changetype: add'))!.stdin).toContain('nsslapd-cachememsize: 16777216');
    expect(peer.execs).toHaveLength(1);
  });

  it('after discovery, each suffix follows its own discovered agreements, not the merged topology', () => {
    // A ring for the domain suffix (ds2 - ds1 - ds3, no ds2-ds3 link) whose o=ipaca links ds2 and ds3.
    const r = (a: number, b: number, suffix: string) => ({ host: `ds${a}`, peer: `ds${b}`, suffix });
    const all = [{ ...host(1, ['ca']) }, { ...host(2, ['ca']) }, { ...host(3, ['ca']) }];
    const ring: Inventory = { ...inv, hosts: all };
    const vars = {
      topology: { ds1: ['ds2', 'ds3'], ds2: ['ds1', 'ds3'], ds3: ['ds1', 'ds2'] }, // merged: ds2-ds3 via o=ipaca
      agreements: [r(2, 1, 'dc=lab,dc=test'), r(3, 1, 'dc=lab,dc=test'), r(2, 3, 'O=ipaca'), r(3, 2, 'o=ipaca')],
    };
    expect(peersFor(ring, all[1]!, 'dc=lab,dc=test', vars).map((h) => h.name)).toEqual(['ds1']);
    expect(peersFor(ring, all[1]!, 'o=ipaca', vars).map((h) => h.name)).toEqual(['ds3']);
    // ds1 (rebuilt, no agreements of its own yet) is found through its peers' agreements to it.
    expect(peersFor(ring, all[0]!, 'dc=lab,dc=test', vars).map((h) => h.name).sort()).toEqual(['ds2', 'ds3']);
  });

  it('agreement.create plans agreements per peer and suffix without the credentials', async () => {
    const plan = await agreementCreate.plan(ctx(inv.hosts[0]!));
    expect(plan[1]!.stdin).toBe('LDIF: agreements to ds2 (dc=lab,dc=test), ds3 (dc=lab,dc=test), ds2 (o=ipaca) (credentials ***)');
    const rec = agreementRecord('ds1', inv.hosts[1]!, 389, 'o=ipaca', 'pw');
    expect(rec).toContain('dn: cn=ds1-to-ds2,cn=replica,cn=o\\3Dipaca,cn=mapping tree,cn=config');
    expect(rec).toContain('nsDS5ReplicaHost: ds2.lab.test');
  });

  it('agreement.create keeps an agreement to the peer for that suffix whatever its name (no second one to the same peer)', async () => {
    // Seen on a lab: a rebuild added cn=ds4-to-ds3 beside the administrator's cn=ds4-to-ds3-extra (o=extra, to ds3).
    const h = scriptedHost('ds1', (c) =>
      c.startsWith('ldapsearch')
        ? { stdout: 'dn: cn=my-link,cn=replica,cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config\ncn: my-link\nnsDS5ReplicaRoot: dc=lab,dc=test\nnsDS5ReplicaHost: ds2.lab.test\nnsDS5ReplicaPort: 389\n\n' }
        : undefined,
    );
    const r = await agreementCreate.run({ ...ctx(inv.hosts[0]!), connect: async () => h.remote });
    expect(r.summary).toBe('agreements to ds3, ds2 (o=ipaca)');
    const add = h.execs.find((e) => e.command.startsWith('ldapmodify'))!;
    expect(add.stdin).not.toContain('dn: cn=ds1-to-ds2,cn=replica,cn=dc');
    expect(add.stdin).toContain('dn: cn=ds1-to-ds3,cn=replica,cn=dc');
  });

  it('agreement.create with to: creates only the agreements toward that host (a survivor, e.g. a consumer, gains none of its own)', async () => {
    // Seen on a lab: "Recreate the peers' agreements to it" gave consumer ds4 agreements to ds3 and ds5.
    const h = scriptedHost('ds1', (c) => (c.startsWith('ldapsearch') ? { stdout: '' } : undefined));
    const r = await agreementCreate.run({ ...ctx(inv.hosts[0]!, { to: 'ds2' }), connect: async () => h.remote });
    expect(r.summary).toBe('agreements to ds2, ds2 (o=ipaca)');
    const none = await agreementCreate.run({ ...ctx(inv.hosts[2]!, { to: 'ds9' }), connect: async () => h.remote });
    expect(none.summary).toBe('agreements exist');
  });

  it('writes replica, suffix and seed LDIF that 389-ds accepts (shapes checked on the real lab too)', () => {
    expect(replicaRecord('dc=lab,dc=test', 3)).toContain('nsDS5ReplicaId: 3\nnsDS5ReplicaBindDN: cn=replication manager,cn=config');
    const sfx = suffixLdif('o=ipaca', 'ipaca', { entryCache: '16777216' });
    expect(sfx).toContain('dn: cn=o\\3Dipaca,cn=mapping tree,cn=config');
    expect(sfx).toContain('dn: o=ipaca\nchangetype: add\nobjectClass: top\nobjectClass: organization\no: ipaca');
    const seed = seedLdif('dc=lab,dc=test', 1, 3, true);
    expect(seed.match(/^dn: /gm)).toHaveLength(4);
    expect(seed).toContain('dn: uid=user00003,ou=people,dc=lab,dc=test');
  });
});

describe('instance.create, as a person watches it', () => {
  it('says in words which part of the 10-30 s is running (dscreate, then its caches and the start), never the password', async () => {
    const { scriptedHost } = await import('../../helpers/scripted-host.ts');
    const { fakeContext, host, inventory } = await import('../backup/fake-context.ts');
    // The state check says the instance does not exist yet; read back: what dse.ldif was given.
    const readBack = 'dn: cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cache-autosize: 0\nnsslapd-dbcachesize: 33554432\n\ndn: cn=userroot,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cachememsize: 33554432\n';
    const h = scriptedHost('ds3', (c) => (c.startsWith('if [ -e') ? { stdout: 'absent\n' } : c.includes('cn=ldbm database') ? { stdout: readBack } : undefined));
    const ctx = fakeContext({ inv: inventory([host('ds3', [])]), host: 'ds3', args: { dm_password_secret: 'dm_password', db_cache_mb: 32, entry_cache_mb: 32 }, remote: h.remote, secrets: { dm_password: 'dm-secret-pw' } });
    const out = await instanceCreate.run(ctx);
    expect(out.changed).toBe(true);
    const said = ctx.events.filter((e) => e.kind === 'progress').map((e) => e.message);
    expect(said).toEqual(['creating slapd-lab with dscreate', "setting its caches (db cache 32 MiB, entry cache 32 MiB, from the step's arguments) and starting slapd-lab"]);
    expect(JSON.stringify(ctx.events)).not.toContain('dm-secret-pw');
    // Created stopped, caches written, started once: no restart.
    const order = h.execs.map((e) => e.command.split(' ')[0]);
    expect(order.indexOf('sed')).toBeGreaterThan(order.findIndex((c) => c === 'umask'));
    expect(h.execs.some((e) => e.command.includes('restart'))).toBe(false);
  });

  it('removes a half-made instance an interrupted create left (its marker) before creating it again, and marks the new one whole last', async () => {
    const { scriptedHost } = await import('../../helpers/scripted-host.ts');
    const { fakeContext, host, inventory } = await import('../backup/fake-context.ts');
    const readBack = 'dn: cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cache-autosize: 0\nnsslapd-dbcachesize: 33554432\n\ndn: cn=userroot,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cachememsize: 33554432\n';
    const h = scriptedHost('ds3', (c) => (c.startsWith('if [ -e') ? { stdout: 'half-made\n' } : c.includes('cn=ldbm database') ? { stdout: readBack } : undefined));
    const ctx = fakeContext({ inv: inventory([host('ds3', [])]), host: 'ds3', args: { dm_password_secret: 'dm_password', db_cache_mb: 32, entry_cache_mb: 32 }, remote: h.remote, secrets: { dm_password: 'dm-secret-pw' } });
    const out = await instanceCreate.run(ctx);
    expect(out.changed).toBe(true);
    const commands = h.execs.map((e) => e.command);
    const removed = commands.findIndex((c) => c.includes("dsctl 'lab' remove --do-it"));
    const created = commands.findIndex((c) => c.includes('dscreate from-file'));
    expect(removed).toBeGreaterThan(0);
    expect(created).toBeGreaterThan(removed);
    // The group the marker names is stopped first; the marker goes only once the files are gone.
    expect(commands[removed]).toMatch(/^g=\$\(cat '\/var\/lib\/dirsrv\/\.lifeboat-creating-slapd-lab'.*kill -TERM -"\$g".*remove --do-it.*rm -rf '\/etc\/dirsrv\/slapd-lab' '\/var\/lib\/dirsrv\/slapd-lab'.* && rm -f '\/var\/lib\/dirsrv\/\.lifeboat-creating-slapd-lab'$/);
    // The marker is written in the same command, right before dscreate, and removed as the very last step.
    expect(commands[created]).toContain("echo $$ > '/var/lib/dirsrv/.lifeboat-creating-slapd-lab' || exit 1; f=$(mktemp)");
    expect(commands.at(-1)).toBe("rm -f '/var/lib/dirsrv/.lifeboat-creating-slapd-lab'");
    expect(ctx.events.some((e) => e.kind === 'warning' && /left half-made by a create that did not finish/.test(e.message))).toBe(true);
  });

  it('starts a whole instance that exists but does not answer (a host powered off after the create), creating nothing', async () => {
    const { scriptedHost } = await import('../../helpers/scripted-host.ts');
    const { fakeContext, host, inventory } = await import('../backup/fake-context.ts');
    const h = scriptedHost('ds3', (c) => (c.startsWith('if [ -e') ? { stdout: 'exists\n' } : c.startsWith('ldapsearch') ? { code: 255 } : undefined));
    const ctx = fakeContext({ inv: inventory([host('ds3', [])]), host: 'ds3', args: { dm_password_secret: 'dm_password' }, remote: h.remote, secrets: { dm_password: 'dm-secret-pw' } });
    const out = await instanceCreate.run(ctx);
    expect(out).toMatchObject({ changed: true, summary: 'instance slapd-lab exists; it did not answer, started it' });
    expect(h.execs.some((e) => e.command.includes('dscreate') || e.command.includes('remove'))).toBe(false);
    expect(h.execs.some((e) => e.command === "dsctl 'lab' start")).toBe(true);
  });

  it('leaves a whole instance that answers alone', async () => {
    const { scriptedHost } = await import('../../helpers/scripted-host.ts');
    const { fakeContext, host, inventory } = await import('../backup/fake-context.ts');
    const h = scriptedHost('ds3', (c) => (c.startsWith('if [ -e') ? { stdout: 'exists\n' } : undefined));
    const ctx = fakeContext({ inv: inventory([host('ds3', [])]), host: 'ds3', args: { dm_password_secret: 'dm_password' }, remote: h.remote, secrets: { dm_password: 'dm-secret-pw' } });
    expect(await instanceCreate.run(ctx)).toEqual({ changed: false, summary: 'instance slapd-lab exists' });
    expect(h.execs).toHaveLength(2);
  });

  it('refuses an instance that started without the caches dse.ldif was given', async () => {
    const { scriptedHost } = await import('../../helpers/scripted-host.ts');
    const { fakeContext, host, inventory } = await import('../backup/fake-context.ts');
    const h = scriptedHost('ds3', (c) => (c.startsWith('if [ -e') ? { stdout: 'absent\n' } : c.includes('cn=ldbm database') ? { stdout: 'dn: cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config\nnsslapd-cache-autosize: 25\n' } : undefined));
    const ctx = fakeContext({ inv: inventory([host('ds3', [])]), host: 'ds3', args: { dm_password_secret: 'dm_password', db_cache_mb: 32, entry_cache_mb: 32 }, remote: h.remote, secrets: { dm_password: 'x'.repeat(12) } });
    await expect(instanceCreate.run(ctx)).rejects.toThrow(/started without the cache settings written to its dse\.ldif: nsslapd-cache-autosize is 25, not 0/);
  });
});

describe('a remote step that must succeed', () => {
  it('says the connection was lost when a command ends with neither exit status nor signal (host powered off, network cut), never "exit undefined"', async () => {
    const { mustExec } = await import('../../../src/profiles/389ds/actions/provision/remote-step.ts');
    const lost = scriptedHost('ds3', () => ({ code: null, stdout: '', stderr: 'Create directory server instance ...' }));
    await expect(mustExec(lost.remote, 'dscreate', 'dscreate from-file f')).rejects.toThrow(
      'ds3: dscreate failed (no exit status: the connection to the host was lost, so whether it finished there is unknown): Create directory server instance ...',
    );
    const timedOut = scriptedHost('ds3', () => ({ code: null, timedOut: true, signal: 'KILL' }));
    await expect(mustExec(timedOut.remote, 'dscreate', 'x')).rejects.toThrow('ds3: dscreate failed (timed out)');
    const failed = scriptedHost('ds3', () => ({ code: 1, stderr: 'no' }));
    await expect(mustExec(failed.remote, 'dscreate', 'x')).rejects.toThrow('ds3: dscreate failed (exit 1): no');
  });
});
