import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../../src/profiles/389ds/actions/replication/agreements.ts';
import { ruvCovers, type Ruv } from '../../../src/profiles/389ds/actions/verify/ruv.ts';
import { agreementHealthy, mayBeBackingOff, verifyConverged } from '../../../src/profiles/389ds/actions/verify/verify-converged.ts';
import { agreementLdif, context, labInventory, type Call } from './fakes.ts';

const SUFFIX = 'dc=lab,dc=test';

/**
 * Four hosts: each write shows up everywhere after a few looks (the host-side loop answers with the
 * proof entries it serves); agreements healthy; RUV generations as given. Entries hash on the host
 * to the text of `entries[host]`.
 */
function cluster(generations: Record<string, string>, entries: Record<string, string> = {}, readOnly: string[] = [], fractional: Record<number, string> = {}, isolated?: string) {
  const looks: Record<string, number> = {};
  const writers = new Set<string>();
  // The proof entries other hosts serve now, and before the latest write (what a look that
  // comes too early still sees); writes from `isolated` never leave it.
  let visible = new Set<string>();
  let before = new Set<string>();
  let added = false;
  let deleted = false;
  let fetched = 0;
  const respond = (c: Call) => {
    // A read-only replica (consumer) answers a write with a referral, as 389-ds does.
    if (c.command.startsWith('ldapmodify') && readOnly.includes(c.host) && c.stdin?.includes('changetype: add')) return { code: 10, stderr: 'ldap_add: Referral (10)\n\tmatched DN: dc=lab,dc=test\n\treferrals:\n\t\tldap://ds1.lab.test:389\n' };
    if (c.command.includes("-s base") && c.command.includes('nsDS5ReplicaType')) {
      return { stdout: `dn: cn=replica,cn=x\nnsDS5ReplicaType: ${readOnly.includes(c.host) ? 2 : 3}\nnsDS5Flags: ${readOnly.includes(c.host) ? 0 : 1}\n` };
    }
    if (c.command.startsWith('ldapmodify')) {
      const adds = [...(c.stdin?.matchAll(/^dn: cn=(lifeboat-[^,]+),\S+\nchangetype: add/gm) ?? [])].map((m) => m[1]!);
      const dels = [...(c.stdin?.matchAll(/^dn: cn=(lifeboat-[^,]+),\S+\nchangetype: delete/gm) ?? [])].map((m) => m[1]!);
      if (adds.length || dels.length) {
        writers.add(c.host);
        added ||= adds.length > 0;
        deleted ||= dels.length > 0;
        before = new Set(visible);
        if (c.host !== isolated) {
          for (const cn of adds) visible.add(cn);
          for (const cn of dels) visible.delete(cn);
        }
      }
      return {};
    }
    if (c.command.includes('sha256sum')) return { stdout: `${createHash('sha256').update(entries[c.host] ?? 'same').digest('hex')}  -\n` };
    if (c.command.startsWith('i=0;')) {
      looks[c.host] = (looks[c.host] ?? 0) + 1;
      const wanted = [...c.command.matchAll(/\(cn=(lifeboat-[^)]+)\)/g)].map((m) => m[1]!);
      const served = wanted.filter((cn) => (looks[c.host]! % 3 === 0 ? visible : before).has(cn));
      return { stdout: served.map((cn) => `dn: cn=${cn},${SUFFIX}\n`).join('\n') };
    }
    if (c.command.includes(`-b '${SUFFIX}' -s sub '(objectClass=*)'`)) {
      fetched++;
      return { stdout: entries[c.host] ?? `dn: uid=a,${SUFFIX}\nuid: a\n` };
    }
    if (c.command.includes('nsds5replicationagreement')) {
      if (readOnly.includes(c.host)) return { stdout: '' };
      const me = Number(c.host.slice(2));
      // ds3's agreement to ds1 met a busy replica: it sits in a back-off.
      const status = (to: number) => (me === 3 && to === 1 ? "Error (1) Can't acquire busy replica" : 'Error (0) Replica acquired successfully: Incremental update succeeded');
      const peers = [1, 2, 3, 4].filter((p) => p !== me).map((to) => ({ to, enabled: c.host !== isolated, extra: { nsds5replicaLastUpdateStatus: status(to), ...(fractional[to] ? { nsDS5ReplicatedAttributeList: fractional[to] } : {}) } }));
      return { stdout: agreementLdif(SUFFIX, peers) };
    }
    if (c.command.includes('nstombstone')) return { stdout: `dn: nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff,${SUFFIX}\nnsds50ruv: {replicageneration} ${generations[c.host]}\n` };
    if (c.command.includes("-s one '(|(cn=lifeboat-canary-*)(cn=lifeboat-probe-*))'")) return { code: 32 };
    return { code: 1, stderr: `unexpected ${c.command}` };
  };
  return { respond, state: () => ({ added, deleted, left: [...visible] }), writers, fetched: () => fetched };
}

describe('verify.converged', () => {
  const inv = labInventory(4);

  it('reads the canary from every host directly, checks agreements and generations, then removes it', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' });
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    const r = await verifyConverged.run(ctx);
    const out = r.output as { suffixes: { arrivalMs: Record<string, number>; generations: Record<string, string> }[] };
    expect(Object.keys(out.suffixes[0]!.arrivalMs).sort()).toEqual(['ds1', 'ds2', 'ds3', 'ds4']);
    expect(c.state()).toEqual({ added: true, deleted: true, left: [] });
    // A write from every host, each looked for on every other host.
    expect([...c.writers].sort()).toEqual(['ds1', 'ds2', 'ds3', 'ds4']);
    for (const h of ['ds1', 'ds3', 'ds4']) expect(calls.some((x) => x.host === h && x.command.includes('lifeboat-canary'))).toBe(true);
    for (const h of ['ds1', 'ds2', 'ds4']) expect(calls.some((x) => x.host === h && x.command.includes('lifeboat-probe') && x.command.includes('-ds3)'))).toBe(true);
    // The hosts agreed on their entries' hashes: nothing was fetched.
    expect(c.fetched()).toBe(0);
  });

  it('with --limit, only the run\'s hosts are written on, waited on and compared', async () => {
    // Seen on an 8-host lab: data-loss --limit 'all:!ds4' (ds4 decommissioned, still listed) restored
    // everything, then the proof waited 2 min for writes to and from ds4 and failed the run.
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' });
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond, { vars: { run_hosts: ['ds1', 'ds2', 'ds3'] } });
    const r = await verifyConverged.run(ctx);
    const out = r.output as { suffixes: { arrivalMs: Record<string, number> }[] };
    expect(Object.keys(out.suffixes[0]!.arrivalMs).sort()).toEqual(['ds1', 'ds2', 'ds3']);
    expect(calls.some((x) => x.host === 'ds4')).toBe(false);
  });

  it('writes one host at a time, each after the previous write was seen everywhere: each adds its entry and deletes the one before, the last only deletes; a writer\'s agreements in a back-off restarted first', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' });
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    await verifyConverged.run(ctx);
    const cn = (stdin: string | undefined, kind: 'add' | 'delete') => new RegExp(`^dn: cn=(lifeboat-[^,]+),.*\\nchangetype: ${kind}`, 'm').exec(stdin ?? '')?.[1];
    const writes = calls.map((x, i) => ({ ...x, i })).filter((x) => cn(x.stdin, 'add') ?? cn(x.stdin, 'delete'));
    expect(writes.map((a) => a.host)).toEqual(['ds2', 'ds1', 'ds3', 'ds4']);
    // The chain: the canary first, each later write deletes the entry of the one before it.
    expect(cn(writes[0]!.stdin, 'add')).toMatch(/^lifeboat-canary-/);
    expect(cn(writes[0]!.stdin, 'delete')).toBeUndefined();
    for (const n of [1, 2, 3]) expect(cn(writes[n]!.stdin, 'delete')).toBe(cn(writes[n - 1]!.stdin, 'add'));
    expect(cn(writes[3]!.stdin, 'add')).toBeUndefined();
    const pokes = calls.map((x, i) => ({ ...x, i })).filter((x) => x.stdin?.includes('nsds5ReplicaEnabled'));
    for (const [n, a] of writes.entries()) {
      // The write alone in its ldapmodify; the writer's agreement in a back-off is restarted
      // (off/on) by an ldapmodify of its own, beside the write and before the next writer's.
      expect(a.stdin).not.toContain('nsds5ReplicaEnabled');
      const mine = pokes.filter((p) => p.host === a.host && p.i > (writes[n - 1]?.i ?? -1) && p.i < (writes[n + 1]?.i ?? Infinity));
      if (a.host === 'ds3') {
        expect(mine).toHaveLength(1);
        expect(mine[0]!.stdin!.match(/^replace: nsds5ReplicaEnabled$/gm)).toHaveLength(2);
        expect(mine[0]!.stdin).toContain('dn: cn=to-ds1,');
      } else expect(mine).toHaveLength(0);
      const name = cn(a.stdin, 'add') ?? cn(a.stdin, 'delete')!;
      const next = writes[n + 1]?.i ?? Infinity;
      // Every other host looked for this write before the next writer wrote.
      for (const h of ['ds1', 'ds2', 'ds3', 'ds4'].filter((h) => h !== a.host)) {
        expect(calls.some((x, i) => i > a.i && i < next && x.host === h && x.command.startsWith('i=0;') && x.command.includes(`(cn=${name})`))).toBe(true);
      }
    }
    // The last write removed the last entry: nothing is left and nothing more is deleted.
    expect(c.state().left).toEqual([]);
    expect(calls.filter((x) => x.stdin?.includes('changetype: delete'))).toHaveLength(3);
  });

  it('a read-only replica (consumer or hub) is not written on, only read: the proof passes without its write', async () => {
    // Seen on a lab: ds4 a consumer of the suffix; the proof failed with "ds4: ldapmodify failed (exit 10): ldap://ds5…".
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, {}, ['ds4']);
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    const r = await verifyConverged.run(ctx);
    expect([...c.writers].sort()).toEqual(['ds1', 'ds2', 'ds3']);
    expect(calls.some((x) => x.host === 'ds4' && x.stdin?.includes('changetype: add'))).toBe(false);
    // It still has to receive every write.
    // ds2's canary, then ds1's probe (the canary gone), then the last writer ds3's delete of it.
    const looks = calls.filter((x) => x.host === 'ds4' && x.command.startsWith('i=0;')).map((x) => x.command);
    expect(looks.some((l) => l.includes('(cn=lifeboat-canary-') && !l.includes('-ds1)'))).toBe(true);
    expect(looks.some((l) => l.includes('(cn=lifeboat-canary-') && l.includes('-ds1)'))).toBe(true);
    expect(looks.some((l) => !l.includes('(cn=lifeboat-canary-') && l.includes('-ds1)') && l.includes('&& ok=0'))).toBe(true);
    expect(r.summary).toContain('read-only, not written on: ds4 (dc=lab,dc=test)');
  });

  it('run from a read-only replica (a rebuilt consumer), the first writable host writes the canary and the proof leaves nothing', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, {}, ['ds4']);
    const { ctx, calls } = context(inv, 'ds4', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    await verifyConverged.run(ctx);
    expect([...c.writers].sort()).toEqual(['ds1', 'ds2', 'ds3']);
    expect(calls.find((x) => x.stdin?.includes('changetype: add'))).toMatchObject({ host: 'ds1', stdin: expect.stringMatching(/^dn: cn=lifeboat-canary-/) });
    expect(c.state()).toMatchObject({ deleted: true, left: [] });
  });

  it('proof entries an interrupted earlier proof left are found beside the first reads and deleted on a writable host, with a warning', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, {}, ['ds4']);
    const old = `cn=lifeboat-probe-old-ds3,${SUFFIX}`;
    const respond = (x: Call) => (x.command.includes("-s one '(|(cn=lifeboat-canary-*)(cn=lifeboat-probe-*))'") ? { stdout: `dn: ${old}\n` } : c.respond(x));
    // Run from read-only ds4: it is searched, but the delete goes to ds1, the first writable host.
    const { ctx, calls, events } = context(inv, 'ds4', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, respond);
    await verifyConverged.run(ctx);
    expect(calls.find((x) => x.command.includes('lifeboat-canary-*'))!.host).toBe('ds4');
    const removal = calls.findIndex((x) => x.stdin?.includes(`dn: ${old}\nchangetype: delete`));
    expect(calls[removal]!.host).toBe('ds1');
    expect(removal).toBeLessThan(calls.findIndex((x) => x.stdin?.includes('changetype: add')));
    expect(events.some((e) => e.kind === 'warning' && e.message.includes('removing 1 proof entry an interrupted earlier proof left'))).toBe(true);
  });

  it('reports a host whose entries differ as diverged, even with healthy statuses', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, { ds4: `dn: uid=a,${SUFFIX}\nuid: a\n\ndn: uid=late,${SUFFIX}\nuid: late\n` });
    const { ctx } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 1 }, c.respond);
    await expect(verifyConverged.run(ctx)).rejects.toThrow(`ds4 has diverged from ds2 (${SUFFIX}): 0 missing, 1 extra, 0 different (uid=late,${SUFFIX})`);
    expect(c.state().deleted).toBe(true);
    // A hash differed: the entries were fetched to say what differs.
    expect(c.fetched()).toBeGreaterThan(0);
  });

  it('fractional replication: attributes an agreement leaves out are not compared (ds4 gets no mail), all others are', async () => {
    // Seen on a lab: EXCLUDE mail on the agreements to ds4 made the proof report "ds4 has diverged: 200 different".
    const full = `dn: uid=a,${SUFFIX}\nuid: a\nmail: a@lab.test\n`;
    const noMail = `dn: uid=a,${SUFFIX}\nuid: a\n`;
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, { ds1: full, ds2: full, ds3: full, ds4: noMail }, [], { 4: '(objectclass=*) $ EXCLUDE mail telephoneNumber' });
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 2 }, c.respond);
    await verifyConverged.run(ctx);
    // The hosts' own hashes leave those attributes out too.
    expect(calls.find((x) => x.command.includes('sha256sum'))!.command).toContain(' mail telephonenumber ');
    // Any other difference is still one.
    const other = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, { ds1: full, ds2: full, ds3: full, ds4: `dn: uid=a,${SUFFIX}\nuid: b\n` }, [], { 4: '(objectclass=*) $ EXCLUDE mail' });
    await expect(verifyConverged.run(context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 1 }, other.respond).ctx)).rejects.toThrow('ds4 has diverged from ds2');
  });

  it('writes that never left their writer: the failure says where that writer sends the suffix (its agreements off)', async () => {
    // Seen on a lab: ds5's only other agreement was switched off by the administrator; "writes did not arrive: ds5 -> ds1, …" alone did not say why.
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, {}, [], {}, 'ds4');
    await expect(verifyConverged.run(context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 1 }, c.respond).ctx)).rejects.toThrow(
      'writes did not arrive within 1 s (dc=lab,dc=test): ds4 -> ds1, ds4 -> ds2, ds4 -> ds3; ds4 sends dc=lab,dc=test to nobody (off: to-ds1, to-ds2, to-ds3)',
    );
  });

  it('a host the writes never reach (diverged, old disk) adds its own entry instead of deleting one it never got, and the proof names it', async () => {
    // Seen on a lab: ds3 back on its old disk; its chained delete failed "ldapmodify failed (exit 32)" and hid "ds3 has diverged".
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' });
    const respond = (x: Call) => {
      if (x.host === 'ds3' && x.command.startsWith('i=0;')) return { stdout: '' };
      if (x.host === 'ds3' && x.stdin?.includes('changetype: delete')) return { code: 32, stderr: 'ldap_delete: No such object (32)' };
      return c.respond(x);
    };
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 1 }, respond);
    await expect(verifyConverged.run(ctx)).rejects.toThrow(/writes did not arrive within 1 s \(dc=lab,dc=test\): .*ds2 -> ds3/);
    const ds3Write = calls.find((x) => x.host === 'ds3' && x.stdin?.includes('changetype: add'))!;
    expect(ds3Write.stdin).toMatch(/^dn: cn=lifeboat-probe-[^,]+-ds3,/m);
    expect(ds3Write.stdin).not.toContain('changetype: delete');
    // What the chain left is deleted afterwards: nothing of the proof stays on the others.
    expect(c.state().left).toEqual([]);
  });

  it('fails naming the hosts when replica generations differ, and still removes the canary', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g2', ds3: 'g1', ds4: 'g1' });
    const { ctx } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    await expect(verifyConverged.run(ctx)).rejects.toThrow('replica generations differ for dc=lab,dc=test: ds1=g1, ds2=g2, ds3=g1, ds4=g1');
    expect(c.state()).toMatchObject({ deleted: true, left: [] });
  });
});

describe('agreement health', () => {
  const a = (status: string) => ({ host: 'ds3', peer: 'ds1', lastUpdateStatus: status }) as Agreement;
  const ruvs = (mine: string, theirs: string) =>
    new Map<string, Ruv>([
      ['ds3', { generation: 'g', maxCsn: { '3': mine } }],
      ['ds1', { generation: 'g', maxCsn: { '3': theirs } }],
    ]);

  it('accepts a stale "agreement disabled" status only when the peer already has everything', () => {
    const stale = a('Error (0) Replica acquired successfully: agreement disabled');
    expect(agreementHealthy(stale, ruvs('6b02753f000100030000', '6b02753f000100030000'))).toBe(true);
    expect(agreementHealthy(stale, ruvs('6b02754f000100030000', '6b02753f000100030000'))).toBe(false);
    expect(agreementHealthy(a('Error (0) Replica acquired successfully: Incremental update succeeded'), ruvs('b', 'a'))).toBe(true);
    expect(agreementHealthy(a("Error (-1) Problem connecting to replica - LDAP error: Can't contact LDAP server"), ruvs('a', 'a'))).toBe(false);
  });

  it('pokes only agreements whose last session failed (only those can be in a back-off)', () => {
    expect(mayBeBackingOff(a('Error (0) Replica acquired successfully: Incremental update succeeded'))).toBe(false);
    expect(mayBeBackingOff(a('Error (0) Replica acquired successfully: agreement disabled'))).toBe(false);
    expect(mayBeBackingOff({ host: 'ds3' } as Agreement)).toBe(false);
    expect(mayBeBackingOff(a('Error (1) Can\'t acquire busy replica'))).toBe(true);
    expect(mayBeBackingOff(a("Error (-1) Problem connecting to replica - LDAP error: Can't contact LDAP server"))).toBe(true);
  });

  it('compares RUVs per replica id', () => {
    expect(ruvCovers({ maxCsn: { '1': 'b', '2': '' } }, { maxCsn: { '1': 'b' } })).toBe(true);
    expect(ruvCovers({ maxCsn: { '1': 'b' } }, { maxCsn: { '2': 'z' } })).toBe(false);
  });
});
