import { describe, expect, it } from 'vitest';
import { parseLdif } from '../../../src/profiles/389ds/actions/ldap.ts';
import { replicationDisable } from '../../../src/profiles/389ds/actions/replication/replication-disable.ts';
import { replicationEnable } from '../../../src/profiles/389ds/actions/replication/replication-enable.ts';
import { replicationPoke } from '../../../src/profiles/389ds/actions/replication/replication-poke.ts';
import { replicationFence } from '../../../src/profiles/389ds/actions/replication/replication-fence.ts';
import { topologyDiscover } from '../../../src/profiles/389ds/actions/replication/topology-discover.ts';
import { setPeerResolver } from '../../../src/profiles/389ds/actions/replication/peer-aliases.ts';
import { agreementLdif, context, labInventory, topologyResponder, type Call } from './fakes.ts';

const SUFFIX = 'dc=lab,dc=test';

/** A host whose agreements live in memory and change when ldapmodify is called. */
function statefulHost(initial: { to: number; enabled?: boolean }[]) {
  const state = initial.map((a) => ({ ...a }));
  return (call: Call) => {
    if (call.command.startsWith('ldapsearch')) return { stdout: agreementLdif(SUFFIX, state) };
    if (call.command.startsWith('ldapmodify')) {
      for (const rec of parseLdif(call.stdin ?? '')) {
        const to = Number(/to-ds(\d)/.exec(rec.dn)?.[1]);
        const a = state.find((s) => s.to === to);
        if (a) a.enabled = rec.attrs['nsds5replicaenabled']?.[0] === 'on';
      }
      return {};
    }
    return { code: 127, stderr: 'unexpected command' };
  };
}

describe('replication.disable / enable', () => {
  it('disables every enabled agreement, one ldapmodify each, and enables back exactly those', async () => {
    const inv = labInventory(4);
    const host = statefulHost([{ to: 2 }, { to: 3, enabled: false }, { to: 4, enabled: true }]);
    const d = context(inv, 'ds1', { suffixes: 'all' }, host);
    const result = await replicationDisable.run(d.ctx);
    const modifies = d.calls.filter((c) => c.command.startsWith('ldapmodify'));
    // One per agreement: the server stops their sessions side by side, not one after another.
    expect(modifies.map((m) => parseLdif(m.stdin!).map((e) => e.dn))).toEqual([[expect.stringContaining('to-ds2')], [expect.stringContaining('to-ds4')]]);
    expect(modifies.every((m) => !m.command.includes('nsds5'))).toBe(true);
    expect(result.changed).toBe(true);
    expect((result.undo?.with.agreements as string[]).length).toBe(2);

    // Retried disable: nothing on any more, but the record keeps both.
    const again = context(inv, 'ds1', {}, host, { runDir: d.ctx.runDir });
    expect((await replicationDisable.run(again.ctx)).changed).toBe(false);

    const e = context(inv, 'ds1', { only: 'previously-enabled' }, host, { runDir: d.ctx.runDir });
    const enabled = await replicationEnable.run(e.ctx);
    const enabledDns = (enabled.output as { enabled: string[] }).enabled;
    expect(enabledDns.map((dn) => /to-ds\d/.exec(dn)?.[0])).toEqual(['to-ds2', 'to-ds4']);
    // ds3's agreement was off before the run and stays off.
    const check = context(inv, 'ds1', {}, host);
    const list = await topologyDiscover.run(check.ctx);
    const ags = (list.output as { agreements: { peer: string; enabled: boolean }[] }).agreements;
    expect(ags.map((a) => [a.peer, a.enabled])).toEqual([
      ['ds2', true],
      ['ds3', false],
      ['ds4', true],
    ]);
  });

  it('poke restarts each enabled agreement (off then on) with an ldapmodify of its own', async () => {
    const inv = labInventory(4);
    const p = context(inv, 'ds1', { suffixes: 'all' }, statefulHost([{ to: 2 }, { to: 3, enabled: false }, { to: 4 }]));
    await replicationPoke.run(p.ctx);
    const modifies = p.calls.filter((c) => c.command.startsWith('ldapmodify'));
    expect(modifies.map((m) => [/dn: cn=(to-ds\d)/.exec(m.stdin!)?.[1], m.stdin!.match(/^nsds5ReplicaEnabled: (on|off)$/gm)])).toEqual([
      ['to-ds2', ['nsds5ReplicaEnabled: off', 'nsds5ReplicaEnabled: on']],
      ['to-ds4', ['nsds5ReplicaEnabled: off', 'nsds5ReplicaEnabled: on']],
    ]);
  });

  it('enable takes a registered disable output keyed by host', async () => {
    const inv = labInventory(2);
    const host = statefulHost([{ to: 2, enabled: false }]);
    const dn = parseLdif(agreementLdif(SUFFIX, [{ to: 2 }]))[0]!.dn;
    const e = context(inv, 'ds1', { only: { ds1: { disabled: [dn] }, ds2: { disabled: [] } } }, host);
    const r = await replicationEnable.run(e.ctx);
    expect(r.changed).toBe(true);
    const none = context(inv, 'ds1', { only: 'previously-enabled' }, statefulHost([{ to: 2, enabled: false }]));
    expect((await replicationEnable.run(none.ctx)).changed).toBe(false);
  });

  it('enable names, once per host, each agreement toward a fenced host it leaves off, with its suffix', async () => {
    const inv = labInventory(4);
    const both = agreementLdif(SUFFIX, [{ to: 2, enabled: false }, { to: 4, enabled: false }]) + '\n' + agreementLdif('o=ipaca', [{ to: 4, enabled: false }]);
    const e = context(inv, 'ds1', { suffixes: 'all' }, (c) => (c.command.startsWith('ldapsearch') ? { stdout: both } : {}), { vars: { fenced: ['ds4'], ca_suffix: 'o=ipaca' } });
    inv.vars.ca_suffix = 'o=ipaca';
    inv.hosts[0]!.roles = ['ca'];
    await replicationEnable.run(e.ctx);
    const warnings = e.events.filter((x) => x.kind === 'warning').map((x) => x.message);
    expect(warnings).toEqual(['agreements to fenced ds4 left off: to-ds4 (dc=lab,dc=test), to-ds4 (o=ipaca)']);
  });

  it('plans without connecting and keeps LDIF out of argv', async () => {
    const inv = labInventory(2);
    const p = context(inv, 'ds1', {}, () => {
      throw new Error('plan must not run commands');
    });
    const planned = await replicationDisable.plan(p.ctx);
    expect(planned.map((c) => c.command)).toEqual([
      expect.stringMatching(/^ldapsearch .*-b 'cn=mapping tree,cn=config' -s sub '\(objectClass=nsds5replicationagreement\)'/),
      expect.stringMatching(/^ldapmodify -Q -Y EXTERNAL -H ldapi:\/\/%2Frun%2Fslapd-lab.socket$/),
    ]);
    expect(planned[1]!.stdin).toContain('off');
  });
});

describe('topology.discover', () => {
  it('reads one host (no `hosts`) and warns about inventory differences', async () => {
    const inv = labInventory(3);
    inv.vars.topology = { ds1: ['ds2', 'ds3'], ds2: ['ds1'], ds3: ['ds1'] };
    const d = context(inv, 'ds1', { hosts: ['ds1', 'ds2'] }, (c) => ({ stdout: agreementLdif(SUFFIX, ({ ds1: [2, 3], ds2: [1, 3] } as Record<string, number[]>)[c.host]!.map((to) => ({ to }))) }));
    const r = await topologyDiscover.run(d.ctx);
    expect(r.facts?.topology).toEqual({ ds1: ['ds2', 'ds3'], ds2: ['ds1', 'ds3'] });
    expect(d.events.filter((e) => e.kind === 'warning').map((e) => e.message)).toEqual([
      'topology differs from the inventory: ds2: agreement to ds3 not in the inventory topology',
    ]);
    // The same ds2->ds3 link as an o=ipaca agreement is the CA suffix's own topology: no warning.
    const withCa = labInventory(3, { ds1: ['ca'], ds2: ['ca'], ds3: ['ca'] });
    withCa.vars.topology = inv.vars.topology;
    const ca = context(withCa, 'ds1', { hosts: ['ds1', 'ds2'] }, (c) => ({
      stdout: c.host === 'ds1' ? agreementLdif(SUFFIX, [{ to: 2 }, { to: 3 }]) : `${agreementLdif(SUFFIX, [{ to: 1 }])}\n${agreementLdif('o=ipaca', [{ to: 3 }])}`,
    }));
    await topologyDiscover.run(ca.ctx);
    expect(ca.events.filter((e) => e.kind === 'warning')).toEqual([]);
  });

  it('safety mode warns when the inventory topology predicted other waves than the servers give', async () => {
    // The 8-host lab's inventory still listed a second bridge removed by hand: plan showed re-inits that never ran.
    const inv = labInventory(3);
    const servers = { ds1: [{ suffix: SUFFIX, id: 1, to: [2] }], ds2: [{ suffix: SUFFIX, id: 2, to: [1, 3] }], ds3: [{ suffix: SUFFIX, id: 3, to: [2] }] };
    const ruv = { [SUFFIX]: [1, 2, 3].map((id) => ({ id, host: `ds${id}.lab.test` })) };
    inv.vars.topology = { ds1: ['ds2', 'ds3'], ds2: ['ds1', 'ds3'], ds3: ['ds1', 'ds2'] };
    const stale = context(inv, 'ds1', { hosts: 'all', master: 'ds1' }, topologyResponder(servers, ruv));
    await topologyDiscover.run(stale.ctx);
    expect(stale.events.filter((e) => e.kind === 'warning').map((e) => e.message)).toEqual([
      `the inventory's topology is stale: from it, plan predicted ${SUFFIX}: wave 1: ds1->ds2 ds1->ds3; the servers' agreements give ${SUFFIX}: wave 1: ds1->ds2; wave 2: ds2->ds3 (this run follows the servers): update the inventory's topology / ca_topology, or remove them`,
    ]);
    inv.vars.topology = { ds1: ['ds2'], ds2: ['ds1', 'ds3'], ds3: ['ds2'] };
    const right = context(inv, 'ds1', { hosts: 'all', master: 'ds1' }, topologyResponder(servers, ruv));
    await topologyDiscover.run(right.ctx);
    expect(right.events.filter((e) => e.kind === 'warning')).toEqual([]);
  });

  it('survivors mode refuses a stale suffix list before a rebuild creates it, and names a wrong instance name', async () => {
    const inv = labInventory(3);
    inv.vars.suffixes = ['dc=example,dc=com'];
    const servers = { ds1: [{ suffix: SUFFIX, id: 1, to: [2] }], ds2: [{ suffix: SUFFIX, id: 2, to: [1] }] };
    const d = context(inv, 'ds3', { hosts: ['ds1', 'ds2'] }, topologyResponder(servers));
    await expect(topologyDiscover.run(d.ctx)).rejects.toThrow(
      /disagree on the suffixes; nothing was changed:\n- ds1: the inventory says it holds dc=example,dc=com but its server has no replica of it/,
    );
    const noSocket = context(labInventory(3), 'ds3', { hosts: ['ds1'] }, () => ({ code: 255, stderr: "ldap_sasl_interactive_bind: Can't contact LDAP server (-1)" }));
    await expect(topologyDiscover.run(noSocket.ctx)).rejects.toThrow(
      /ds1: ldapsearch of cn=mapping tree,cn=config failed \(exit 255\): nothing answers on \/run\/slapd-lab.socket: is slapd-lab running, and is "lab" this host's instance name/,
    );
  });

  it('plan predicts the waves among the hosts of the run only (--limit leaves out a host that no longer exists)', async () => {
    const inv = labInventory(4);
    inv.vars.topology = { ds1: ['ds2'], ds2: ['ds1', 'ds3'], ds3: ['ds2'], ds4: [] };
    const p = context(inv, 'ds2', { hosts: 'all', master: 'ds2' }, () => ({ code: 1 }), { vars: { run_hosts: ['ds1', 'ds2', 'ds3'] } });
    const planned = await topologyDiscover.plan(p.ctx);
    expect(planned.map((c) => c.note).join('\n')).toContain(`${SUFFIX}: wave 1: ds2->ds1 ds2->ds3`);
    const all = context(inv, 'ds2', { hosts: 'all', master: 'ds2' }, () => ({ code: 1 }));
    expect(() => topologyDiscover.plan(all.ctx)).toThrow(/ds4 has no agreement at all: if it no longer exists, remove it from the inventory; if it still runs but was taken out of the replication, leave it out of the run \(--limit 'all:!ds4'\)/);
  });

  const ring = { ds1: [{ suffix: SUFFIX, id: 1, to: [2, 4] }], ds2: [{ suffix: SUFFIX, id: 2, to: [1, 3] }], ds3: [{ suffix: SUFFIX, id: 3, to: [2, 4] }], ds4: [{ suffix: SUFFIX, id: 4, to: [3, 1] }] };

  it('hosts: all computes the per-suffix plan from the servers', async () => {
    const d = context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(ring));
    const r = await topologyDiscover.run(d.ctx);
    expect(r.facts?.reinit_plan).toEqual({ [SUFFIX]: { ds1: 'ds2', ds3: 'ds2', ds4: 'ds1' } });
    expect(r.facts?.replica_ids).toEqual({ [SUFFIX]: { ds1: 1, ds2: 2, ds3: 3, ds4: 4 } });
  });

  it('refuses a supplier missing from the inventory, naming it, the agreement and what to do', async () => {
    const five = { ...ring, ds4: [{ suffix: SUFFIX, id: 4, to: [3, 5] }], ds1: [{ suffix: SUFFIX, id: 1, to: [2, 5] }] };
    const d = context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(five));
    await expect(topologyDiscover.run(d.ctx)).rejects.toThrow(
      /ds5\.lab\.test is a supplier of this topology but is no inventory host: seen in agreement to-ds5 on ds1 \(dc=lab,dc=test\)\. .*add ds5\.lab\.test to the inventory/s,
    );
  });

  it('a peer named by an alias of an inventory host is refused as that host, with the alias to add (not as a host to add)', async () => {
    // Seen on a lab: agreement ds1-to-ds2 sent to r1-alias-b.corp.example (/etc/hosts: ds2's address); the refusal said "add it to the inventory".
    const respond = topologyResponder(ring);
    const aliased = (c: Call) => {
      const r = respond(c) as { stdout?: string };
      return c.host === 'ds1' && r.stdout ? { ...r, stdout: r.stdout.replace('nsDS5ReplicaHost: ds2.lab.test', 'nsDS5ReplicaHost: ldap-b.corp.example') } : r;
    };
    setPeerResolver(async (name) => (name === 'ldap-b.corp.example' ? ['10.213.7.2'] : []));
    try {
      await expect(topologyDiscover.run(context(labInventory(4), 'ds2', { hosts: 'all' }, aliased).ctx)).rejects.toThrow(
        "ldap-b.corp.example (agreement to-ds2 on ds1 (dc=lab,dc=test)) is inventory host ds2 under another name (both resolve to 10.213.7.2): add it to ds2's vars (aliases: [ldap-b.corp.example]) so the run knows them as one host",
      );
      // With the alias in the inventory, the agreement is ds2's and the run goes on.
      const inv = labInventory(4);
      inv.hosts[1]!.vars.aliases = ['ldap-b.corp.example'];
      const r = await topologyDiscover.run(context(inv, 'ds2', { hosts: 'all' }, aliased).ctx);
      expect(r.facts?.reinit_plan).toEqual({ [SUFFIX]: { ds1: 'ds2', ds3: 'ds2', ds4: 'ds1' } });
    } finally {
      setPeerResolver(undefined);
    }
  });

  it('refuses a supplier seen only in a RUV', async () => {
    const d = context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(ring, { [SUFFIX]: [{ id: 9, host: 'old9.lab.test' }] }));
    await expect(topologyDiscover.run(d.ctx)).rejects.toThrow(/old9\.lab\.test is a supplier .* the RUV of dc=lab,dc=test on ds1 \(replica id 9/s);
    // No agreement names it: the refusal says how to clean a leftover RUV element (seen on an 8-host
    // lab after a restore from a backup older than the decommissioned host's CLEANALLRUV).
    await expect(topologyDiscover.run(d.ctx)).rejects.toThrow(/No agreement names it: if old9\.lab\.test was decommissioned, .*clean replica id 9 of dc=lab,dc=test \(a CLEANALLRUV task on one supplier\)/s);
    const limited = context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(ring), { vars: { run_hosts: ['ds1', 'ds2', 'ds3'] } });
    await expect(topologyDiscover.run(limited.ctx)).rejects.not.toThrow(/No agreement names it/);
  });

  it('refuses a supplier excluded by --limit, and accepts it fenced (read through its peers only)', async () => {
    const limited = context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(ring), { vars: { run_hosts: ['ds1', 'ds2', 'ds3'] } });
    await expect(topologyDiscover.run(limited.ctx)).rejects.toThrow(/ds4 is a supplier of this topology but is not in this run \(excluded by --limit\).*-e stopped=ds4/s);
    const fenced = context(labInventory(4), 'ds2', { hosts: 'all' }, (c) => {
      if (c.host === 'ds4') throw new Error('a fenced host must not be contacted');
      return topologyResponder(ring)(c);
    }, { vars: { fenced: ['ds4'] } });
    const r = await topologyDiscover.run(fenced.ctx);
    expect(r.facts?.reinit_plan).toEqual({ [SUFFIX]: { ds1: 'ds2', ds3: 'ds2' } });
    expect(r.summary).toContain('fenced: ds4');
  });

  it('per suffix: the CA suffix follows its own agreements and a host no suffix path reaches stops the run', async () => {
    const CA = 'o=ipaca';
    const inv = labInventory(4, { ds1: ['ca'], ds3: ['ca'], ds4: ['ca'] });
    // Domain suffix: ring ds1-ds2-ds3-ds4-ds1. CA suffix: ds4 -> ds3 -> ds1 chain only.
    const two = {
      ds1: [{ suffix: SUFFIX, id: 1, to: [2, 4] }, { suffix: CA, id: 61, to: [3] }],
      ds2: [{ suffix: SUFFIX, id: 2, to: [1, 3] }],
      ds3: [{ suffix: SUFFIX, id: 3, to: [2, 4] }, { suffix: CA, id: 63, to: [1, 4] }],
      ds4: [{ suffix: SUFFIX, id: 4, to: [3, 1] }, { suffix: CA, id: 64, to: [3] }],
    };
    const d = context(inv, 'ds4', { hosts: 'all' }, topologyResponder(two));
    const r = await topologyDiscover.run(d.ctx);
    expect(r.facts?.reinit_plan).toEqual({ [SUFFIX]: { ds1: 'ds4', ds3: 'ds4', ds2: 'ds1' }, [CA]: { ds3: 'ds4', ds1: 'ds3' } });
    expect(r.summary).toContain('o=ipaca: wave 1: ds4->ds3; wave 2: ds3->ds1');
    // Without ds3's CA agreement to ds1, ds1 cannot get o=ipaca from ds4: refused before any change.
    const cut = { ...two, ds3: [{ suffix: SUFFIX, id: 3, to: [2, 4] }, { suffix: CA, id: 63, to: [4] }] };
    await expect(topologyDiscover.run(context(inv, 'ds4', { hosts: 'all' }, topologyResponder(cut)).ctx)).rejects.toThrow(/o=ipaca: ds1 cannot be reached from ds4/);
  });

  it('refuses a duplicate replica id within a suffix and a suffix mismatch with the inventory', async () => {
    const dup = { ...ring, ds3: [{ suffix: SUFFIX, id: 1, to: [2, 4] }] };
    await expect(topologyDiscover.run(context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(dup)).ctx)).rejects.toThrow(/replica id 1 is used by ds1 and ds3/);
    const other = { ...ring, ds3: [{ suffix: 'dc=other', id: 3, to: [2, 4] }] };
    await expect(topologyDiscover.run(context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(other)).ctx)).rejects.toThrow(
      /ds3: the inventory says it holds dc=lab,dc=test but its server has no replica of it/,
    );
  });

  it('read-only replicas (consumers share id 65535) are no duplicate; one cannot be the master', async () => {
    // Seen on a lab: two consumers of a suffix would have stopped the run as "replica id 65535 is used by ds3 and ds4".
    const consumers = {
      ds1: [{ suffix: SUFFIX, id: 1, to: [2, 3, 4] }],
      ds2: [{ suffix: SUFFIX, id: 2, to: [1, 3, 4] }],
      ds3: [{ suffix: SUFFIX, id: 65535, to: [], type: 2, flags: 0 }],
      ds4: [{ suffix: SUFFIX, id: 65535, to: [], type: 2, flags: 0 }],
    };
    const r = await topologyDiscover.run(context(labInventory(4), 'ds2', { hosts: 'all' }, topologyResponder(consumers)).ctx);
    expect(r.facts?.reinit_plan).toEqual({ [SUFFIX]: { ds1: 'ds2', ds3: 'ds2', ds4: 'ds2' } });
    expect(r.summary).toContain(`4 host(s) read (read-only: ds3, ds4 consumers of ${SUFFIX})`);
    await expect(topologyDiscover.run(context(labInventory(4), 'ds3', { hosts: 'all', master: 'ds3' }, topologyResponder(consumers)).ctx)).rejects.toThrow(
      `ds3 holds a read-only replica of ${SUFFIX} (a consumer): it cannot be the master, whose restored data every other host receives; choose a supplier of every suffix (-e master=ds1 or ds2)`,
    );
  });

  it('takes the suffixes from the servers when the inventory lists none', async () => {
    const inv = labInventory(4);
    inv.vars.suffixes = [];
    const r = await topologyDiscover.run(context(inv, 'ds2', { hosts: 'all' }, topologyResponder(ring)).ctx);
    expect(r.facts?.server_suffixes).toEqual({ ds1: [SUFFIX], ds2: [SUFFIX], ds3: [SUFFIX], ds4: [SUFFIX] });
  });
});

describe('replication.fence', () => {
  it('stops naming the unreachable, unfenced supplier', async () => {
    const inv = labInventory(4);
    const f = context(inv, 'ds2', { connect_timeout_s: 0.2 }, (c) => (c.host === 'ds4' ? new Promise(() => {}) : { stdout: 'lifeboat-reachable\n' }));
    await expect(replicationFence.run(f.ctx)).rejects.toThrow(
      'ds4 is unreachable and not fenced: a supplier that could replay its changelog must be stopped or cut off before a restore',
    );
    // ... and says how to go on, in the words the CLI takes (a resume accepts them too).
    await expect(replicationFence.run(f.ctx)).rejects.toThrow(/bring it back and resume, or, once it is stopped or cut off for good, give -e fence=true -e stopped=ds4 \(to a new run or to lifeboat resume\)/);
    const fenced = context(inv, 'ds2', { connect_timeout_s: 0.2, fence: true, stopped: ['ds4'] }, (c) => (c.host === 'ds4' ? { code: 255 } : { stdout: 'lifeboat-reachable\n' }));
    const r = await replicationFence.run(fenced.ctx);
    expect(r.output).toEqual({ reachable: ['ds1', 'ds2', 'ds3'], fenced: ['ds4'] });
    expect(r.facts).toEqual({ fenced: ['ds4'] });
    // Later steps leave the fenced host alone instead of failing on it.
    const later = context(inv, 'ds4', {}, () => {
      throw new Error('a fenced host must not be contacted');
    }, { vars: { fenced: ['ds4'] } });
    expect(await replicationDisable.run(later.ctx)).toMatchObject({ changed: false, summary: expect.stringContaining('fenced') });
    expect(await replicationEnable.run(later.ctx)).toMatchObject({ changed: false });
    const refused = context(inv, 'ds2', { connect_timeout_s: 0.2, fence: true }, (c) => (c.host === 'ds4' ? { code: 255 } : { stdout: 'lifeboat-reachable\n' }));
    await expect(replicationFence.run(refused.ctx)).rejects.toThrow(/ds4 is unreachable and could not be fenced: .* list it in "stopped" \(-e stopped=ds4\)/);
    // Every host down at once: the inventory's SSH settings are suspected first, not a disaster.
    const allDown = context(inv, 'ds2', { connect_timeout_s: 0.2 }, () => ({ code: 255 }));
    await expect(replicationFence.run(allDown.ctx)).rejects.toThrow(/^no host answered over SSH \(port 22 from .*\): check the inventory's ssh port, addresses and identity_file first/);
  });
});
