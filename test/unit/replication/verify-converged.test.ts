import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../../src/profiles/389ds/actions/replication/agreements.ts';
import { ruvCovers, type Ruv } from '../../../src/profiles/389ds/actions/verify/ruv.ts';
import { agreementHealthy, verifyConverged } from '../../../src/profiles/389ds/actions/verify/verify-converged.ts';
import { agreementLdif, context, labInventory, type Call } from './fakes.ts';

const SUFFIX = 'dc=lab,dc=test';

/** Four hosts: the canary shows up on each after a few polls; agreements healthy; RUV generations as given. */
function cluster(generations: Record<string, string>, entries: Record<string, string> = {}) {
  const polls: Record<string, number> = {};
  const writers = new Set<string>();
  let added = false;
  let deleted = false;
  const respond = (c: Call) => {
    if (c.command.startsWith('ldapmodify')) {
      if (c.stdin?.includes('changetype: add')) {
        added = true;
        writers.add(c.host);
      }
      if (c.stdin?.includes('changetype: delete')) deleted = true;
      return {};
    }
    if (/lifeboat-(canary|probe)/.test(c.command)) {
      polls[c.host] = (polls[c.host] ?? 0) + 1;
      return polls[c.host]! >= 3 && added && !deleted ? { stdout: 'dn: cn=x\ncn: x\n' } : { code: 32 };
    }
    if (c.command.includes(`-b '${SUFFIX}' -s sub '(objectClass=*)'`)) return { stdout: entries[c.host] ?? `dn: uid=a,${SUFFIX}\nuid: a\n` };
    if (c.command.includes('nsds5replicationagreement')) {
      const me = Number(c.host.slice(2));
      const peers = [1, 2, 3, 4].filter((p) => p !== me).map((to) => ({ to, extra: { nsds5replicaLastUpdateStatus: 'Error (0) Replica acquired successfully: Incremental update succeeded' } }));
      return { stdout: agreementLdif(SUFFIX, peers) };
    }
    if (c.command.includes('nstombstone')) return { stdout: `dn: nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff,${SUFFIX}\nnsds50ruv: {replicageneration} ${generations[c.host]}\n` };
    return { code: 1, stderr: `unexpected ${c.command}` };
  };
  return { respond, state: () => ({ added, deleted }), writers };
}

describe('verify.converged', () => {
  const inv = labInventory(4);

  it('reads the canary from every host directly, checks agreements and generations, then removes it', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' });
    const { ctx, calls } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    const r = await verifyConverged.run(ctx);
    const out = r.output as { suffixes: { arrivalMs: Record<string, number>; generations: Record<string, string> }[] };
    expect(Object.keys(out.suffixes[0]!.arrivalMs).sort()).toEqual(['ds1', 'ds2', 'ds3', 'ds4']);
    expect(c.state()).toEqual({ added: true, deleted: true });
    // A write from every host, each looked for on every other host.
    expect([...c.writers].sort()).toEqual(['ds1', 'ds2', 'ds3', 'ds4']);
    for (const h of ['ds1', 'ds3', 'ds4']) expect(calls.some((x) => x.host === h && x.command.includes('lifeboat-canary'))).toBe(true);
    for (const h of ['ds1', 'ds2', 'ds4']) expect(calls.some((x) => x.host === h && x.command.includes('lifeboat-probe') && x.command.includes('-ds3,'))).toBe(true);
  });

  it('reports a host whose entries differ as diverged, even with healthy statuses', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g1', ds3: 'g1', ds4: 'g1' }, { ds4: `dn: uid=a,${SUFFIX}\nuid: a\n\ndn: uid=late,${SUFFIX}\nuid: late\n` });
    const { ctx } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 1 }, c.respond);
    await expect(verifyConverged.run(ctx)).rejects.toThrow(`ds4 has diverged from ds2 (${SUFFIX}): 0 missing, 1 extra, 0 different (uid=late,${SUFFIX})`);
    expect(c.state().deleted).toBe(true);
  });

  it('fails naming the hosts when replica generations differ, and still removes the canary', async () => {
    const c = cluster({ ds1: 'g1', ds2: 'g2', ds3: 'g1', ds4: 'g1' });
    const { ctx } = context(inv, 'ds2', { suffixes: [SUFFIX], poll_ms: 1, timeout_s: 5 }, c.respond);
    await expect(verifyConverged.run(ctx)).rejects.toThrow('replica generations differ for dc=lab,dc=test: ds1=g1, ds2=g2, ds3=g1, ds4=g1');
    expect(c.state().deleted).toBe(true);
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

  it('compares RUVs per replica id', () => {
    expect(ruvCovers({ maxCsn: { '1': 'b', '2': '' } }, { maxCsn: { '1': 'b' } })).toBe(true);
    expect(ruvCovers({ maxCsn: { '1': 'b' } }, { maxCsn: { '2': 'z' } })).toBe(false);
  });
});
