import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ldapModify, ldapSearch } from '../../src/profiles/389ds/actions/ldap.ts';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { pokeLdif } from '../../src/profiles/389ds/actions/replication/replication-poke.ts';
import { planRun, startRun, type RunEvent, type RunOutcome } from '../../src/engine/index.ts';
import { labKill, labPowerOff, labRevive } from '../../src/lab/index.ts';
import { labPowerOn } from '../../src/profiles/389ds/lab/power.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { sameEntriesEverywhere } from '../../src/profiles/389ds/rehearse/same-entries.ts';
import { applyDamage, isRestored, planDamage, readDamage, waitForDamageEverywhere } from '../../src/profiles/389ds/rehearse/data-loss-damage.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { probeWrites } from '../../src/profiles/389ds/rehearse/write-probe.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * The servers' topology is the truth (issue 7), on a lab shape Lifeboat's default lab does not
 * build: a 5-host RING for the domain suffix, o=ipaca on the CA hosts ds1, ds2, ds5 only (its own
 * mesh) with replica ids numbered independently of the domain suffix's (ds5's CA id is ds1's
 * domain id). The master is ds5, not the first host: ds2 then gets the domain suffix from ds1 and
 * o=ipaca from ds5. Tests run in order; each leaves the lab converged for the next.
 */

const skip = labSkipReason();
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));
const MASTER = 'ds5';
const CA = 'o=ipaca';

let lab: LabFixture;
let s: LabSession;
let stateDir: string;
let backup: string;

function run(playbook: string, params: Record<string, string>, opts: { inventoryFile?: string; limit?: string; onEvent?: (e: RunEvent) => void } = {}): Promise<RunOutcome> {
  return startRun({
    playbookFile: playbook.endsWith('.yaml') ? playbook : join(PLAYBOOKS, `${playbook}.yaml`),
    inventoryFile: opts.inventoryFile ?? s.inventoryFile,
    params,
    limit: opts.limit,
    yes: true,
    concurrency: 10,
    stateDir,
    onEvent: opts.onEvent ?? (() => undefined),
  });
}

const caHosts = (): string[] => s.inventory.hosts.filter((h) => h.roles.includes('ca')).map((h) => h.name);

async function digests(hosts: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of hosts) out[h] = (await ldapSearch(await s.connect(h), s.instance, s.suffix, 'sub', '(objectClass=*)', ['*'])).map((e) => JSON.stringify(e)).sort().join('\n');
  return out;
}

async function disabledAgreements(hosts: string[]): Promise<string[]> {
  const off: string[] = [];
  for (const h of hosts) off.push(...(await listAgreements(await s.connect(h), s.inventory, h, s.instance)).filter((a) => !a.enabled).map((a) => `${h}:${a.name}`));
  return off;
}

async function replicaId(host: string, suffix: string): Promise<number> {
  const [e] = await ldapSearch(await s.connect(host), s.instance, 'cn=mapping tree,cn=config', 'sub', `(&(objectClass=nsds5replica)(nsDS5ReplicaRoot=${suffix}))`, ['nsDS5ReplicaId']);
  return Number(e?.attrs['nsds5replicaid']?.[0]);
}

describe.skipIf(!!skip)('the servers\' topology is the truth (5-host ring, CA suffix with its own mesh and ids)', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-topo-'));
    lab = await withLab({ name: e2eLabName('topo'), hosts: 5, entries: 1000, topology: 'ring', ca: { topology: 'mesh', ownIds: true } });
    s = await openSession(lab.name, lab.inventoryFile);
    backup = (await takeBackup({ inventoryFile: s.inventoryFile, host: MASTER, dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
  });

  afterAll(async () => {
    await s?.close().catch(() => undefined);
    // Kept between local runs (withLab reuses a healthy lab); CI frees the machine.
    if (process.env.CI) await lab?.down().catch(() => undefined);
    else await lab?.close().catch(() => undefined);
  });

  it('the lab has the shape: ring, o=ipaca on ds1, ds2, ds5 with ids of its own', async () => {
    expect(caHosts()).toEqual(['ds1', 'ds2', 'ds5']);
    expect(await replicaId('ds5', s.suffix)).toBe(5);
    expect(await replicaId('ds5', CA)).toBe(1); // ds1's domain id
    expect(await replicaId('ds1', CA)).toBe(5);
    const plan = await planRun({ playbookFile: join(PLAYBOOKS, 'data-loss.yaml'), inventoryFile: s.inventoryFile, params: { master: MASTER, backup }, concurrency: 10 });
    const discover = plan.steps.find((st) => st.action === 'topology.discover')!;
    const note = discover.hosts.flatMap((h) => h.commands).map((c) => c.note ?? '').join('\n');
    expect(note).toContain(`${s.suffix}: wave 1: ds5->ds1 ds5->ds4; wave 2: ds1->ds2 ds4->ds3`);
    expect(note).toContain(`${CA}: wave 1: ds5->ds1 ds5->ds2`);
  });

  it('an inventory lacking a live supplier (ds5) stops data-loss before any change, naming ds5, its agreement and what to do', async () => {
    const inv = parse(readFileSync(s.inventoryFile, 'utf8')) as { hosts: Record<string, unknown>; vars: Record<string, Record<string, string[]>>; groups: Record<string, string[]> };
    delete inv.hosts.ds5;
    for (const key of ['topology', 'ca_topology']) {
      const g = inv.vars[key]!;
      delete g.ds5;
      for (const h of Object.keys(g)) g[h] = g[h]!.filter((p) => p !== 'ds5');
    }
    for (const g of Object.keys(inv.groups)) inv.groups[g] = inv.groups[g]!.filter((h) => h !== 'ds5');
    const stale = join(stateDir, 'stale-inventory.yaml');
    writeFileSync(stale, stringify(inv));
    const hosts = ['ds1', 'ds2', 'ds3', 'ds4'];
    const before = await digests(hosts);
    const seen: RunEvent[] = [];
    const out = await run('data-loss', { master: 'ds2', backup }, { inventoryFile: stale, onEvent: (e) => seen.push(e) });
    expect(out.status).toBe('failed');
    expect(out.failed?.step).toBe(1);
    expect(out.failed?.error).toMatch(/ds5\.lab\.test is a supplier of this topology but is no inventory host: seen in agreement ds[14]-to-ds5 on ds[14] \((dc=lab,dc=test|o=ipaca)\)/);
    expect(out.failed?.error).toContain('To do: add ds5.lab.test to the inventory');
    expect(seen.some((e) => e.type === 'host.start' && e.step >= 2)).toBe(false);
    expect(await digests(hosts)).toEqual(before);
    expect(await disabledAgreements(s.hosts)).toEqual([]);

    // The same supplier left out by --limit is refused the same way.
    const limited = await run('data-loss', { master: 'ds2', backup }, { limit: '!ds3' });
    expect(limited.status).toBe('failed');
    expect(limited.failed?.error).toContain('ds3 is a supplier of this topology but is not in this run (excluded by --limit)');
    expect(limited.failed?.error).toContain('-e fence=true -e stopped=ds3');
    expect(await disabledAgreements(s.hosts)).toEqual([]);
  });

  it('data-loss with CA host ds5 as master restores both suffixes, each along its own agreements', async () => {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master: MASTER, tag: `ps${Date.now().toString(36)}`, pick: 11 });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    const caAdded = `cn=after-backup-ca-${Date.now().toString(36)},${CA}`;
    await ldapModify(await s.connect('ds1'), s.instance, `dn: ${caAdded}\nchangetype: add\nobjectClass: top\nobjectClass: extensibleObject\ncn: ${caAdded.slice(3, caAdded.indexOf(','))}\n`);
    const summaries: Record<string, string> = {};
    const out = await run('data-loss', { master: MASTER, backup }, { onEvent: (e) => e.type === 'host.done' && e.summary && (summaries[`${e.step}:${e.host}`] = e.summary) });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    const reinitStep = 7;
    // ds2 gets the domain suffix from ds1 (ring) and o=ipaca from ds5 (CA mesh); ds3 only the domain suffix, from ds4.
    expect(summaries[`${reinitStep}:ds2`]).toContain(`${s.suffix} from ds1 in `);
    expect(summaries[`${reinitStep}:ds2`]).toContain(`${CA} from ds5 in `);
    expect(summaries[`${reinitStep}:ds3`]).toMatch(new RegExp(`^${s.suffix} from ds4 in [^;]*$`));
    for (const h of s.hosts) expect(isRestored(plan, await readDamage(s.connect, plan, h)), h).toBe(true);
    for (const h of caHosts()) expect(await ldapSearch(await s.connect(h), s.instance, caAdded, 'base')).toEqual([]);
    expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
    expect(await sameEntriesEverywhere(s.connect, s.instance, CA, caHosts())).toMatchObject({ ok: true });
    expect(await disabledAgreements(s.hosts)).toEqual([]);
    await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'ps', timeoutMs: 10_000 });
    await probeWrites(s.connect, { instance: s.instance, suffix: CA, hosts: caHosts(), tag: 'ps', timeoutMs: 10_000 });
  });

  it('fenced: ds3 powered off; the restore proceeds naming it; back on its old disk it brings back nothing and is reported until rejoined', async () => {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master: MASTER, tag: `fe${Date.now().toString(36)}`, pick: 21 });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    // A change ds3 alone holds when it goes down: the surest thing a stale supplier would replay.
    const only3 = `cn=only-on-ds3-${Date.now().toString(36)},${s.suffix}`;
    await ldapModify(await s.connect('ds3'), s.instance, `dn: ${only3}\nchangetype: add\nobjectClass: top\nobjectClass: extensibleObject\ncn: ${only3.slice(3, only3.indexOf(','))}\n`);
    const ds3Agreements = await listAgreements(await s.connect('ds3'), s.inventory, 'ds3', s.instance);
    await labPowerOff(lab.name, 'ds3');
    await s.reset();

    const warnings: string[] = [];
    const summaries: string[] = [];
    const out = await run('data-loss', { master: MASTER, backup, fence: 'true', stopped: 'ds3' }, {
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message);
        if (e.type === 'host.done' && e.summary) summaries.push(e.summary);
      },
    });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    expect(warnings.some((w) => w.includes('ds3 is fenced: left out of this run'))).toBe(true);
    expect(summaries.some((x) => x.includes('NOT checked, fenced: ds3'))).toBe(true);
    expect(summaries.some((x) => x.startsWith('new replica generation for'))).toBe(true);
    const live = s.hosts.filter((h) => h !== 'ds3');
    for (const h of live) expect(isRestored(plan, await readDamage(s.connect, plan, h)), h).toBe(true);

    // ds3 comes back on its old disk, its agreements on and poked: it tries to replay at once.
    await labPowerOn(lab.name, 'ds3');
    await s.reset();
    await ldapModify(await s.connect('ds3'), s.instance, pokeLdif(ds3Agreements.map((a) => a.dn)));
    await new Promise((r) => setTimeout(r, 20_000));
    for (const h of live) {
      expect(isRestored(plan, await readDamage(s.connect, plan, h)), `${h} after ds3 came back`).toBe(true);
      expect(await ldapSearch(await s.connect(h), s.instance, only3, 'base'), h).toEqual([]);
    }
    expect((await readDamage(s.connect, plan, 'ds3')).addedPresent.length).toBeGreaterThan(0); // still stale

    // Reported, never healthy: a convergence proof that includes ds3 names it as diverged.
    const verifyBook = join(stateDir, 'verify.yaml');
    writeFileSync(verifyBook, stringify({ name: 'verify', description: 'proof', steps: [{ name: 'Prove convergence', on: MASTER, do: 'verify.converged', with: { timeout_s: 20, suffixes: [s.suffix] } }] }));
    const verified = await run(verifyBook, {});
    expect(verified.status).toBe('failed');
    expect(verified.failed?.error).toMatch(/ds3 has diverged from ds5 \(dc=lab,dc=test\)/);

    // rejoin re-initializes it from the restored topology; then everything matches.
    const rejoined = await run('rejoin', { target: 'ds3' });
    expect(rejoined.failed?.error).toBeUndefined();
    expect(rejoined.status).toBe('done');
    expect(isRestored(plan, await readDamage(s.connect, plan, 'ds3'))).toBe(true);
    expect(await ldapSearch(await s.connect('ds3'), s.instance, only3, 'base')).toEqual([]);
    expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
    expect(await disabledAgreements(s.hosts)).toEqual([]);
    await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'rj', timeoutMs: 10_000 });
  });

  it('ca-replica-rebuild of ds1 gives o=ipaca the id the survivors record (5), not its domain id (1, ds5\'s CA id)', async () => {
    // An inventory that does not know ds1's CA id: the old code gave o=ipaca replica_id 1 = ds5's CA id.
    const inv = parse(readFileSync(s.inventoryFile, 'utf8')) as { hosts: Record<string, { vars: Record<string, unknown> }> };
    delete inv.hosts.ds1!.vars.ca_replica_id;
    const noCaId = join(stateDir, 'no-ca-id.yaml');
    writeFileSync(noCaId, stringify(inv));
    await labKill(lab.name, 'ds1');
    await labRevive(lab.name, 'ds1');
    await s.reset();
    const warnings: string[] = [];
    const out = await run('ca-replica-rebuild', { lost: 'ds1' }, { inventoryFile: noCaId, onEvent: (e) => e.type === 'warning' && warnings.push(e.message) });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    expect(warnings).toContain(`ds1: ${CA} gets replica id 5, the one the survivors' RUVs record for it (the inventory says 1)`);
    expect(await replicaId('ds1', s.suffix)).toBe(1);
    expect(await replicaId('ds1', CA)).toBe(5);
    expect(await sameEntriesEverywhere(s.connect, s.instance, CA, caHosts())).toMatchObject({ ok: true });
    await probeWrites(s.connect, { instance: s.instance, suffix: CA, hosts: caHosts(), tag: 'cr', timeoutMs: 10_000 });
    await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'cr', timeoutMs: 10_000 });
  });
});
