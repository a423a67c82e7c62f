import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapModify, ldapSearch } from '../../src/profiles/389ds/actions/ldap.ts';
import { within } from './lab-fixture.ts';
import { isHealthyUpdateStatus, listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { addRecord } from '../../src/profiles/389ds/actions/replication/ldif-build.ts';
import { digestEntries } from '../../src/profiles/389ds/actions/verify/entry-digest.ts';
import { resumeRun, startRun, type RunEvent, type RunOutcome } from '../../src/engine/index.ts';
import { labCut, labDown, labKill, labRevive, labUncut } from '../../src/lab/index.ts';
import { labUp } from '../../src/profiles/389ds/lab/up.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { sameEntriesEverywhere } from '../../src/profiles/389ds/rehearse/same-entries.ts';
import { applyDamage, isRestored, planDamage, readDamage, waitForDamageEverywhere } from '../../src/profiles/389ds/rehearse/data-loss-damage.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { uniqueLabName } from '../../src/rehearse/lab-name.ts';
import { probeWrites } from '../../src/profiles/389ds/rehearse/write-probe.ts';

/**
 * The recovery playbooks on ONE real 4-host lab (mesh; ds1 and ds2 hold the CA suffix), one
 * scenario after the other; each leaves the lab converged for the next. LIFEBOAT_E2E_LAB=<name>
 * reuses a lab that is already up (its inventory in .lifeboat/rehearsals/<name>/).
 */

const runnable = process.getuid?.() === 0 || !!process.env.CI;
if (!runnable) console.warn('recovery e2e tests skipped: they build a lab of real servers and need root (under CI they always run)');
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));
const MASTER = 'ds2';

let s: LabSession;
/** Hosts holding the CA suffix (role `ca`): ds1, ds2 and the hidden ds4 in a 4-host lab. */
const caHosts = (): string[] => s.inventory.hosts.filter((h) => h.roles.includes('ca')).map((h) => h.name);
let stateDir: string;
let ownLab: string | undefined;
let backup: string;
const events: RunEvent[] = [];

function run(playbook: string, params: Record<string, string>, onEvent?: (e: RunEvent) => void, signal?: AbortSignal): Promise<RunOutcome> {
  return startRun({
    signal,
    playbookFile: join(PLAYBOOKS, `${playbook}.yaml`),
    inventoryFile: s.inventoryFile,
    params,
    yes: true,
    concurrency: 10,
    stateDir,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  });
}

async function digestsOf(hosts: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of hosts) {
    const d = digestEntries(await ldapSearch(await s.connect(h), s.instance, s.suffix, 'sub', '(objectClass=*)', ['*']));
    out[h] = [...d.values()].map((e) => `${e.dn}=${e.hash}`).sort().join('\n');
  }
  return out;
}

async function agreementStates(hosts: string[]) {
  const all = [];
  for (const h of hosts) all.push(...(await listAgreements(await s.connect(h), s.inventory, h, s.instance)));
  return all;
}

describe.skipIf(!runnable)('recovery scenarios on a real 4-host lab', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-recovery-'));
    const reuse = process.env.LIFEBOAT_E2E_LAB;
    const lab = reuse ?? uniqueLabName('rc');
    const inventoryFile = reuse ? join('.lifeboat', 'rehearsals', reuse, 'inventory.yaml') : join(stateDir, 'inventory.yaml');
    if (!reuse) {
      ownLab = lab;
      await labUp({ name: lab, hosts: 4, entries: 1000, topology: 'mesh', out: inventoryFile });
    }
    s = await openSession(lab, inventoryFile);
    backup = (await takeBackup({ inventoryFile, host: MASTER, dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
  });

  afterAll(async () => {
    await s?.close().catch(() => undefined);
    if (ownLab) await labDown(ownLab);
  });

  it('data-loss (master ds2): undoes adds on two hosts, a delete and a modify everywhere; all agreements on and healthy; writes flow both ways', async () => {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master: MASTER, tag: `dl${Date.now().toString(36)}`, pick: 1 + (Date.now() % 200) });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    expect(new Set(Object.keys(plan.added)).size).toBe(2);

    const out = await run('data-loss', { master: MASTER, backup });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');

    for (const h of s.hosts) {
      const d = await readDamage(s.connect, plan, h);
      expect(d, `${h} after the restore`).toMatchObject({ addedPresent: [], deletedPresent: true, modifiedValue: plan.modified.before });
      expect(isRestored(plan, d)).toBe(true);
    }
    const agreements = await agreementStates(s.hosts);
    expect(agreements.length).toBe(18); // 4 x 3 main suffix + 3 x 2 among the CA hosts ds1, ds2, ds4
    expect(agreements.filter((a) => !a.enabled)).toEqual([]);
    const slowest = await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'dl', timeoutMs: 5000 });
    expect(Math.max(...Object.values(slowest))).toBeLessThan(5000);
    await probeWrites(s.connect, { instance: s.instance, suffix: s.inventory.vars.ca_suffix as string, hosts: caHosts(), tag: 'dl', timeoutMs: 5000 });
    // The writes above gave every agreement a change to carry; in a mesh a session can meet
    // "busy replica" and retry, so allow a few seconds for every status to read success.
    let unhealthy: string[] = [];
    for (let i = 0; i < 60; i++) {
      unhealthy = (await agreementStates(s.hosts)).filter((a) => !isHealthyUpdateStatus(a.lastUpdateStatus)).map((a) => `${a.host}->${a.peer}: ${a.lastUpdateStatus}`);
      if (unhealthy.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(unhealthy).toEqual([]);
  });

  it('data-loss with ds4 cut off stops before the restore naming ds4, changes nothing, and resume completes after uncut', async () => {
    const reachable = s.hosts.filter((h) => h !== 'ds4');
    const before = await digestsOf(s.hosts);
    await labCut(s.lab, 'ds4');
    let out: RunOutcome;
    const seen: RunEvent[] = [];
    try {
      out = await run('data-loss', { master: MASTER, backup }, (e) => seen.push(e));
      expect(out.status).toBe('failed');
      expect(out.failed?.step).toBe(0);
      expect(out.failed?.error).toContain('ds4 is unreachable and not fenced: a supplier that could replay its changelog must be stopped or cut off before a restore');
      expect(seen.some((e) => e.type === 'host.start' && e.step >= 3)).toBe(false);
      expect(await digestsOf(reachable)).toEqual(Object.fromEntries(reachable.map((h) => [h, before[h]])));
      expect((await agreementStates(reachable)).filter((a) => !a.enabled)).toEqual([]);
    } finally {
      await labUncut(s.lab, 'ds4');
    }
    await s.reset();
    expect((await digestsOf(['ds4'])).ds4).toBe(before.ds4);
    const resumed = await resumeRun(out.runId, { yes: true, concurrency: 10, stateDir, onEvent: (e) => events.push(e) });
    expect(resumed.failed?.error).toBeUndefined();
    expect(resumed.status).toBe('done');
    expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
  });

  it('server-loss after lab kill ds3: the rebuilt host holds every entry, replicates both ways, and has its peers\' cache sizes', async () => {
    // Sizes no lab default has, on every survivor: the rebuilt ds3 must copy them (dse.ldif, before its first start).
    const caches = 'cn=ldbm database,cn=plugins,cn=config';
    const sized = `dn: cn=bdb,cn=config,${caches}\nchangetype: modify\nreplace: nsslapd-dbcachesize\nnsslapd-dbcachesize: 37748736\n\ndn: cn=userroot,${caches}\nchangetype: modify\nreplace: nsslapd-cachememsize\nnsslapd-cachememsize: 41943040\n`;
    for (const h of s.hosts.filter((x) => x !== 'ds3')) await ldapModify(await s.connect(h), s.instance, sized);
    await labKill(s.lab, 'ds3');
    await labRevive(s.lab, 'ds3');
    await s.reset();
    const out = await run('server-loss', { lost: 'ds3' });
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    const read = await ldapSearch(await s.connect('ds3'), s.instance, caches, 'sub', '(|(cn=bdb)(cn=userroot))', ['nsslapd-dbcachesize', 'nsslapd-cachememsize', 'nsslapd-cache-autosize']);
    const attr = (cn: string, a: string) => read.find((e) => e.dn.toLowerCase().startsWith(`cn=${cn},`))?.attrs[a]?.[0];
    expect([attr('bdb', 'nsslapd-cache-autosize'), attr('bdb', 'nsslapd-dbcachesize'), attr('userroot', 'nsslapd-cachememsize')]).toEqual(['0', '37748736', '41943040']);
    expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
    await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'sl', timeoutMs: 5000 });
  });

  it('ca-replica-rebuild after lab kill ds1: both suffixes back on ds1, replicating both ways', async () => {
    const warnings: string[] = [];
    // A CA backend entry cache no lab default has, on the surviving CA hosts: the rebuilt o=ipaca backend must copy it.
    const ipaca = 'cn=ipaca,cn=ldbm database,cn=plugins,cn=config';
    for (const h of caHosts().filter((x) => x !== 'ds1')) await ldapModify(await s.connect(h), s.instance, `dn: ${ipaca}\nchangetype: modify\nreplace: nsslapd-cachememsize\nnsslapd-cachememsize: 20971520\n`);
    await labKill(s.lab, 'ds1');
    await labRevive(s.lab, 'ds1');
    await s.reset();
    const out = await run('ca-replica-rebuild', { lost: 'ds1' }, (e) => e.type === 'warning' && warnings.push(e.message));
    expect(out.failed?.error).toBeUndefined();
    expect(out.status).toBe('done');
    const [backend] = await ldapSearch(await s.connect('ds1'), s.instance, ipaca, 'base', '(objectClass=*)', ['nsslapd-cachememsize']);
    expect(backend?.attrs['nsslapd-cachememsize']).toEqual(['20971520']);
    // The lab has three CA hosts (ds1, ds2 and the hidden ds4): with ds1 rebuilt, three remain, so
    // no "fewer than three" warning; the warning itself is unit-tested with two.
    expect(caHosts()).toEqual(['ds1', 'ds2', 'ds4']);
    expect(warnings.filter((w) => w.includes('CA host(s) will remain'))).toEqual([]);
    const ca = s.inventory.vars.ca_suffix as string;
    expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
    expect(await sameEntriesEverywhere(s.connect, s.instance, ca, caHosts())).toMatchObject({ ok: true });
    await probeWrites(s.connect, { instance: s.instance, suffix: ca, hosts: caHosts(), tag: 'ca', timeoutMs: 5000 });
    await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag: 'ca', timeoutMs: 5000 });
  });

  it('the same data-loss run without the disable step (test-only skip_disable) lets the added entries come back', async () => {
    backup = (await takeBackup({ inventoryFile: s.inventoryFile, host: MASTER, dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master: MASTER, tag: `nd${Date.now().toString(36)}`, pick: 201 + (Date.now() % 200) });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    // The run is stopped right after the restore, before anything re-initializes the peers: the
    // peers' agreements (never switched off) then replay into the restored master. Stopping there
    // takes the race with the re-initialization out of the test (which once made it flaky under
    // load: peers re-initialized from the master before the replay lost the entries everywhere).
    // A fresh write on a peer then starts a replication session at once (DESIGN).
    const restoreStep = 4;
    const seen: RunEvent[] = [];
    const stop = new AbortController();
    const out = await run('data-loss', { master: MASTER, backup, skip_disable: 'true' }, (e) => {
      seen.push(e);
      if (e.type === 'step.done' && e.step === restoreStep) stop.abort();
    }, stop.signal);
    expect(seen.some((e) => e.type === 'step.done' && e.step === restoreStep && e.status === 'ok'), 'the restore ran').toBe(true);
    expect(seen.some((e) => e.type === 'host.done' && e.step === 3 && e.status === 'skipped'), 'the disable step was skipped').toBe(true);
    expect(out.status).toBe('interrupted');
    const freshName = `fresh-after-restore-${Date.now().toString(36)}`;
    await ldapModify(await s.connect('ds1'), s.instance, addRecord(`cn=${freshName},${s.suffix}`, { objectClass: ['top', 'extensibleObject'], cn: [freshName] }));
    const back = await within(120_000, async () => (await readDamage(s.connect, plan, MASTER)).addedPresent.length > 0, 1000);
    expect(back, 'entries added after the backup are back on the master').toBeDefined();
    for (const h of s.hosts) expect((await readDamage(s.connect, plan, h)).addedPresent.length, h).toBeGreaterThan(0);
  });
});
