import { describe, expect, it } from 'vitest';
import { scoreReadiness, type DrAgreement, type DrFacts } from '../../src/dr/items.ts';
import type { InventoryHost } from '../../src/inventory/types.ts';
import { topologyGraph } from '../../src/profiles/389ds/lab/topology.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const host = (name: string, roles: string[]): InventoryHost => ({ name, address: name, roles, groups: [], vars: {}, ssh: {} as InventoryHost['ssh'] });

/** The default lab: 4-host mesh, CA suffix among ds1, ds2, ds4; ds4 hidden; groups dc1/dc2. */
function labFacts(over: Partial<DrFacts> = {}): DrFacts {
  const names = ['ds1', 'ds2', 'ds3', 'ds4'];
  const mesh = topologyGraph(names, 'mesh');
  const agreements: DrAgreement[] = Object.entries(mesh).flatMap(([h, peers]) => peers.map((p) => ({ host: h, peer: p, peerAddress: p, suffix: 'dc=lab,dc=test', enabled: true })));
  for (const [h, p] of [['ds1', 'ds2'], ['ds1', 'ds4'], ['ds2', 'ds1'], ['ds2', 'ds4'], ['ds4', 'ds1'], ['ds4', 'ds2']]) agreements.push({ host: h!, peer: p, peerAddress: p!, suffix: 'o=ipaca', enabled: true });
  return {
    inventory: { profile: '389ds', hosts: [host('ds1', ['ca']), host('ds2', ['ca']), host('ds3', []), host('ds4', ['ca', 'hidden'])], groups: { dc1: ['ds1', 'ds2'], dc2: ['ds3', 'ds4'] } },
    connectErrors: { ds1: undefined, ds2: undefined, ds3: undefined, ds4: undefined },
    agreements,
    backups: [{ name: 'lifeboat-data-2026-11-30-10-00-00', time: new Date('2026-11-30T10:00:00Z'), host: 'ds1', encrypted: true, checksum: true }],
    maxBackupAgeMs: 24 * 3_600_000,
    now: NOW,
    rehearsal: { scenario: 'data-loss', finished: '2026-11-29T10:00:00Z', recoveryMs: 61_000 },
    ...over,
  };
}

const byId = (f: DrFacts) => Object.fromEntries(scoreReadiness(f).map((i) => [i.id, i]));

describe('dr check scoring', () => {
  it('the default lab fails nothing (a data centre with one CA host only warns)', () => {
    const items = scoreReadiness(labFacts());
    expect(items.filter((i) => i.status === 'fail')).toEqual([]);
    expect(byId(labFacts())['ca-hosts']).toMatchObject({ status: 'warn', why: expect.stringContaining('dc2 has 1') });
  });

  it('a ring whose joining host is an articulation point fails naming it', () => {
    // Two triangles sharing ds3.
    const links = [['ds1', 'ds2'], ['ds2', 'ds3'], ['ds3', 'ds1'], ['ds3', 'ds4'], ['ds4', 'ds5'], ['ds5', 'ds3']];
    const agreements = links.flatMap(([a, b]) => [{ host: a!, peer: b, peerAddress: b!, suffix: 's', enabled: true }, { host: b!, peer: a, peerAddress: a!, suffix: 's', enabled: true }]);
    const f = labFacts({ agreements });
    f.inventory = { ...f.inventory, hosts: [...f.inventory.hosts, host('ds5', [])] };
    f.connectErrors.ds5 = undefined;
    const items = byId(f);
    expect(items['no-articulation-point']).toMatchObject({ status: 'fail', why: 'losing ds3 would split the graph' });
    expect(items['graph-connected']!.status).toBe('pass');
    expect(items['agreements-per-replica']).toMatchObject({ status: 'pass' }); // ds3 has exactly 4
  });

  it('each suffix is judged on its own agreements: a domain bridge is a cut even when o=ipaca also crosses', () => {
    // An 8-host two-dc lab cut down by hand: DC1 ds1-ds3, DC2 ds4-ds6, the domain joined by ds1-ds4
    // only; o=ipaca is a triangle ds2, ds3, ds5 across the data centres. Merged, no host was a cut.
    const both = (a: string, b: string, suffix: string) => [{ host: a, peer: b, peerAddress: b, suffix, enabled: true }, { host: b, peer: a, peerAddress: a, suffix, enabled: true }];
    const dom = [['ds1', 'ds2'], ['ds2', 'ds3'], ['ds3', 'ds1'], ['ds4', 'ds5'], ['ds5', 'ds6'], ['ds6', 'ds4'], ['ds1', 'ds4']].flatMap(([a, b]) => both(a!, b!, 'dc=corp,dc=example'));
    const ca = [['ds2', 'ds3'], ['ds3', 'ds5'], ['ds5', 'ds2']].flatMap(([a, b]) => both(a!, b!, 'o=ipaca'));
    const f = labFacts({ agreements: [...dom, ...ca] });
    f.inventory = { ...f.inventory, hosts: ['ds1', 'ds2', 'ds3', 'ds4', 'ds5', 'ds6'].map((n) => host(n, [])) };
    f.connectErrors = {};
    expect(byId(f)['no-articulation-point']).toMatchObject({ status: 'fail', why: 'losing ds1, ds4 would split dc=corp,dc=example' });
    expect(byId(f)['graph-connected']).toMatchObject({ status: 'pass' });
    // The domain split in two, joined only by o=ipaca: not connected, naming the suffix.
    const cutOff = labFacts({ agreements: [...dom.filter((a) => !(a.host === 'ds1' && a.peer === 'ds4') && !(a.host === 'ds4' && a.peer === 'ds1')), ...ca] });
    cutOff.inventory = f.inventory;
    cutOff.connectErrors = {};
    expect(byId(cutOff)['graph-connected']).toMatchObject({ status: 'fail', why: 'dc=corp,dc=example: 2 separate parts: {ds1, ds2, ds3} {ds4, ds5, ds6}' });
  });

  it('one CA host, no hidden replica, too many agreements and a split graph each fail by name', () => {
    const f = labFacts();
    f.inventory = { ...f.inventory, hosts: [host('ds1', ['ca', 'renewal']), host('ds2', ['dns']), host('ds3', []), host('ds4', [])] };
    expect(byId(f)['ca-hosts']).toMatchObject({ status: 'fail', why: expect.stringContaining('only 1 CA host (ds1)') });
    expect(byId(f)['hidden-replica']).toMatchObject({ status: 'fail', why: 'no host has the hidden role; roles in use: ca, dns' });
    const six = ['a', 'b', 'c', 'd', 'e', 'f'];
    const wide = labFacts({ agreements: six.map((p) => ({ host: 'ds1', peer: p, peerAddress: p, suffix: 's', enabled: true })) });
    expect(byId(wide)['agreements-per-replica']).toMatchObject({ status: 'fail', why: expect.stringContaining('ds1 has 6 on s') });
    const split = labFacts({ agreements: labFacts().agreements.filter((a) => !(['ds1', 'ds2'].includes(a.host) !== ['ds1', 'ds2'].includes(a.peer!))) });
    expect(byId(split)['graph-connected']).toMatchObject({ status: 'fail', why: '2 separate parts: {ds1, ds2} {ds3, ds4}' });
  });

  it('the hidden replica must hold every role in use except the single renewal duty', () => {
    const f = labFacts();
    f.inventory = { ...f.inventory, hosts: [host('ds1', ['ca', 'kra', 'renewal']), host('ds2', ['ca', 'dns']), host('ds3', ['ca']), host('ds4', ['ca', 'hidden'])] };
    expect(byId(f)['hidden-replica']).toMatchObject({ status: 'fail', why: 'hidden ds4 lacks dns, kra' });
  });

  it('a read-only consumer has no agreements of its own by design: it passes when two suppliers feed it, a supplier without any still fails', () => {
    // Seen on a lab: ds4 a consumer fed by ds3 and ds5; the item failed "ds4 has none".
    const base = labFacts();
    const agreements = base.agreements.filter((a) => a.host !== 'ds3');
    expect(byId(labFacts({ agreements }))['agreements-per-replica']).toMatchObject({ status: 'fail', why: expect.stringContaining('ds3 has none') });
    const consumer = byId(labFacts({ agreements, readOnly: { ds3: ['dc=lab,dc=test'] } }))['agreements-per-replica']!;
    expect(consumer).toMatchObject({ status: 'pass', why: expect.stringContaining('ds3 (read-only) fed by 3') });
    const once = agreements.filter((a) => !(a.peer === 'ds3' && a.host !== 'ds1'));
    expect(byId(labFacts({ agreements: once, readOnly: { ds3: ['dc=lab,dc=test'] } }))['agreements-per-replica']).toMatchObject({ status: 'fail', why: expect.stringContaining('ds3 (read-only) is fed by 1 supplier only') });
  });

  it('a backup lacking a suffix the servers replicate fails: it cannot restore that suffix', () => {
    // Seen on a lab: o=extra replicated among ds2..ds3 only, backups taken on the hidden host, which lacks it.
    const extra = [['ds2', 'ds3'], ['ds3', 'ds2']].map(([h, p]) => ({ host: h!, peer: p, peerAddress: p!, suffix: 'o=extra', enabled: true }));
    const base = labFacts();
    const f = labFacts({ agreements: [...base.agreements, ...extra], backups: [{ ...base.backups[0]!, host: 'ds4', suffixes: ['dc=lab,dc=test', 'o=ipaca'] }] });
    expect(byId(f).backup).toMatchObject({ status: 'fail', why: expect.stringContaining('of ds4, 2 h old, checksum verified, lacks o=extra (replicated by ds2, ds3): a restore from it cannot bring that suffix back; back up a host that holds every suffix') });
    const whole = labFacts({ agreements: [...base.agreements, ...extra], backups: [{ ...base.backups[0]!, host: 'ds2', suffixes: ['dc=lab,dc=test', 'o=extra', 'o=ipaca'] }] });
    expect(byId(whole).backup).toMatchObject({ status: 'pass' });
  });

  it('backups: none, too old, failing checksum, unencrypted', () => {
    expect(byId(labFacts({ backups: [] })).backup).toMatchObject({ status: 'fail', why: 'no backup of this cluster found' });
    const old = labFacts({ maxBackupAgeMs: 3_600_000 });
    expect(byId(old).backup).toMatchObject({ status: 'fail', why: expect.stringContaining('2 h old, checksum verified: older than 1 h') });
    const bad = labFacts({ backups: [{ name: 'b1', time: NOW, checksum: 'payload sha256 abc… does not match the header' }] });
    expect(byId(bad).backup).toMatchObject({ status: 'fail', why: expect.stringContaining('no backup verifies; 1 failed verification (b1: payload sha256') });
    const clear = labFacts({ backups: [{ name: 'b2', time: NOW, encrypted: false, checksum: true }] });
    expect(byId(clear).backup).toMatchObject({ status: 'warn', why: expect.stringContaining('NOT encrypted') });
  });

  it('an unknown host key fails, an unreachable host warns, and keytrustee skips what does not apply', () => {
    const f = labFacts();
    f.connectErrors.ds3 = { message: 'host key for ds3 is not known', hostKey: true };
    expect(byId(f)['host-keys']).toMatchObject({ status: 'fail', why: expect.stringContaining('ds3 (host key for ds3 is not known)') });
    f.connectErrors.ds3 = { message: 'connect ECONNREFUSED', hostKey: false };
    expect(byId(f)['host-keys']).toMatchObject({ status: 'warn' });
    const kts = labFacts({ agreements: [] });
    kts.inventory = { profile: 'keytrustee', hosts: [host('kts1', []), host('kts2', [])], groups: {} };
    kts.connectErrors = { kts1: undefined, kts2: undefined };
    const items = byId(kts);
    for (const id of ['agreements-per-replica', 'graph-connected', 'no-articulation-point', 'hidden-replica', 'ca-hosts', 'replication-healthy']) expect(items[id]!.status, id).toBe('skip');
  });

  it('a host back on its old disk (its sessions refused: different generation) fails replication health, naming its agreements', () => {
    // Measured on a two-dc lab: ds1 powered off during a fenced data-loss, then powered on, before
    // its rejoin. Every other item passed and dr check said READY.
    const f = labFacts();
    const gen = 'Error (19) Replication error acquiring replica: Replica has different database generation ID, remote replica may need to be initialized (RUV error)';
    for (const a of f.agreements) Object.assign(a, a.host === 'ds1' ? { lastUpdateStatus: gen, updateCode: 19 } : { lastUpdateStatus: 'Error (0) Replica acquired successfully: Incremental update succeeded', updateCode: 0 });
    const item = byId(f)['replication-healthy']!;
    expect(item.status).toBe('fail');
    expect(item.why).toMatch(/^5 agreement\(s\) failing: ds1 -> ds2 \(dc=lab,dc=test\), ds1 -> ds3 \(dc=lab,dc=test\), ds1 -> ds4 \(dc=lab,dc=test\), ds1 -> ds2 \(o=ipaca\), ds1 -> ds4 \(o=ipaca\): Error \(19\) [^;]*different database generation ID[^;]*; ds1 still/);
    expect(item.why).toContain('ds1 still holds data from before a restore: rejoin it (lifeboat run rejoin -e target=ds1)');
    // A busy consumer (code 1) and a session not yet run are not failures; a disabled agreement warns.
    for (const a of f.agreements) Object.assign(a, a.host === 'ds1' ? { lastUpdateStatus: 'Error (1) Replication error acquiring replica: replica busy', updateCode: 1 } : { lastUpdateStatus: undefined, updateCode: undefined });
    expect(byId(f)['replication-healthy']).toMatchObject({ status: 'pass' });
    f.agreements[0]!.enabled = false;
    expect(byId(f)['replication-healthy']).toMatchObject({ status: 'warn', why: 'disabled: ds1 -> ds2 (dc=lab,dc=test)' });
    expect(scoreReadiness(labFacts()).find((i) => i.id === 'replication-healthy')).toMatchObject({ status: 'pass', why: '18 agreement(s) enabled, none failing' });
  });
});

describe('dr check --html', () => {
  it('one row per item with its status, escaped, and the verdict', async () => {
    const { readinessHtml } = await import('../../src/dr/html.ts');
    const f = labFacts({ backups: [] });
    f.inventory = { ...f.inventory, hosts: [...f.inventory.hosts, host('<b>x', [])] };
    const html = readinessHtml('lab', scoreReadiness(f), NOW);
    expect(html.match(/<tr data-item=/g)).toHaveLength(9);
    expect(html).toContain('<tr data-item="backup" data-status="fail">');
    expect(html).toContain('NOT READY');
    expect(html).not.toContain('<b>x');
    expect(html).toContain('&lt;b&gt;x');
  });
});
