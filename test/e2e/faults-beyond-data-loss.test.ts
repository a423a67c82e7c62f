import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { creatingMarker } from '../../src/profiles/389ds/actions/provision/instance-create.ts';
import { listBackups } from '../../src/backup/index.ts';
import { latestVerifiedBackup } from '../../src/backup/latest.ts';
import { readJournal, type JournalLine } from '../../src/engine/journal.ts';
import { netnsName } from '../../src/lab/names.ts';
import { listRuns, resumeRun, startRun, type RunEvent, type RunOutcome } from '../../src/engine/index.ts';
import { labCut, labExec, labKill, labPowerOff, labPowerOnHost, labRevive, labUncut } from '../../src/lab/index.ts';
import { runDirsCommand } from '../../src/profiles/389ds/actions/provision/instance-create.ts';
import { sameEntriesEverywhere } from '../../src/profiles/389ds/rehearse/same-entries.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { probeWrites } from '../../src/profiles/389ds/rehearse/write-probe.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';
import { breakCommand, runCliUntil, type CliEvent } from './fault-tools.ts';

/**
 * Faults in the rebuild playbooks (server-loss, ca-replica-rebuild, rejoin), as an administrator
 * would suffer them: {host powered off (its disk kept), network cut, a command failing, controller
 * SIGKILLed, Ctrl-C} x each step that changes something. Every cell loses a host first (`lab kill`
 * + `lab revive`: an empty machine under the same name; rejoin: a power cut instead), injects its
 * fault while the step works, removes it, and then:
 *  - the run stopped naming the step and host, with `lifeboat resume <id>` as the next command
 *    (a SIGKILLed run: `runs` lists it as interrupted);
 *  - the journal records every unit that completed before the fault, and no completed unit of the
 *    faulted step on the faulted host;
 *  - one `resume` reaches the verified end state: every host holds the same entries (both suffixes
 *    on CA hosts), every agreement on, a write on each host seen on every other, no half-made
 *    instance marker left.
 * Backups (below): the controller SIGKILLed or the network cut mid-download, a full disk on the
 * controller, the host powered off or the controller SIGKILLed mid-db2bak; the server must be up
 * again, `backup=latest` never takes the unfinished one, one resume makes a backup that verifies,
 * and nothing the unfinished attempt left stays on the host or the controller.
 * REBUILD_FAULTS / BACKUP_FAULTS = all | a list of cells (`npm run test:faults:more` runs all);
 * CI runs CI_CELLS and BACKUP_CI_CELLS. FAULT_REPORT=<file> appends one outcome line per cell.
 */

const skip = labSkipReason();
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));

type Fault = 'kill' | 'cut' | 'fail' | 'sigkill' | 'sigint';
const FAULTS: Fault[] = ['kill', 'cut', 'fail', 'sigkill', 'sigint'];

interface Scenario {
  playbook: string;
  /** The host lost (server-loss, ca) or returning (rejoin). */
  lost: string;
  param: string;
  /** Step index of each phase in the playbook. */
  steps: Record<string, number>;
  /** The peer the total update comes from (`from: auto` / ca.survivors pick it). */
  source: string;
  /** A fresh loss: rebuilt from nothing; otherwise a power cut (rejoin). */
  fresh: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  sl: { playbook: 'server-loss', lost: 'ds3', param: 'lost', source: 'ds1', fresh: true, steps: { create: 3, suffix: 4, agreements: 7, enable: 8, reinit: 9, verify: 11 } },
  ca: { playbook: 'ca-replica-rebuild', lost: 'ds1', param: 'lost', source: 'ds2', fresh: true, steps: { create: 4, suffix: 5, agreements: 8, enable: 9, reinit: 10, verify: 12 } },
  rj: { playbook: 'rejoin', lost: 'ds3', param: 'target', source: 'ds1', fresh: false, steps: { disable: 1, reinit: 2, enable: 3, verify: 5 } },
};

/** The cells CI runs (one SIGKILL mid-dscreate: the bug a resume met before the create marker). */
const CI_CELLS = ['sl:sigkill:create'];

function allCells(): string[] {
  return Object.entries(SCENARIOS).flatMap(([k, sc]) => FAULTS.flatMap((f) => Object.keys(sc.steps).map((p) => `${k}:${f}:${p}`)));
}

function selectedCells(): string[] {
  const env = process.env.REBUILD_FAULTS;
  if (env === 'all') return allCells();
  if (env) return env.split(',').map((c) => c.trim()).filter(Boolean);
  return CI_CELLS;
}

/** The host a fault hits: the step's own target (the lost host, a survivor for the peers' steps, the source for a failing trigger). */
function victimOf(sc: Scenario, fault: Fault, phase: string): string {
  if (phase === 'agreements' || phase === 'enable') return 'ds4';
  if (phase === 'reinit' && fault === 'fail') return sc.source;
  return sc.lost;
}

/** The binary that fails for `fail`: dscreate for the create, ldapmodify (every LDAP write) otherwise. */
const failingBinary = (phase: string) => (phase === 'create' ? '/usr/sbin/dscreate' : '/usr/bin/ldapmodify');

/**
 * When the fault strikes: mid-dscreate (3 s into it) for the create, while the total update runs
 * for the re-init, at the step's first command or progress line otherwise; a failing command is in
 * place before the step begins.
 */
function trigger(fault: Fault, phase: string, step: number): { when: (e: CliEvent) => boolean; delayMs: number } {
  const msg = (e: CliEvent) => e.message ?? '';
  if (fault === 'fail') return { when: (e) => e.type === 'step.start' && e.step === step, delayMs: 0 };
  if (phase === 'create') return { when: (e) => e.step === step && /creating slapd-/.test(msg(e)), delayMs: 3000 };
  if (phase === 'reinit') return { when: (e) => e.step === step && /total update running/.test(msg(e)), delayMs: 0 };
  return { when: (e) => e.step === step && (e.type === 'host.command' || e.type === 'host.progress'), delayMs: 0 };
}

let lab: LabFixture;
let s: LabSession;
let stateDir: string;

async function powerOn(host: string): Promise<void> {
  await labPowerOnHost(lab.name, host);
  // Like a machine that boots with dirsrv enabled: a server that cannot start (none yet, or half-made) stays down.
  await labExec(lab.name, host, ['sh', '-c', `${runDirsCommand(s.instance)} && dsctl ${s.instance} start`]);
}

async function inject(fault: Fault, phase: string, victim: string): Promise<void> {
  if (fault === 'kill') await labPowerOff(lab.name, victim);
  if (fault === 'cut') await labCut(lab.name, victim);
  if (fault === 'fail') await breakCommand(lab.name, victim, failingBinary(phase), true);
}

async function remove(fault: Fault, phase: string, victim: string): Promise<void> {
  if (fault === 'kill') await powerOn(victim);
  if (fault === 'cut') await labUncut(lab.name, victim);
  if (fault === 'fail') await breakCommand(lab.name, victim, failingBinary(phase), false);
  await s.reset();
}

/**
 * Loses the host the scenario rebuilds: an empty machine under its name (the survivors keep their
 * agreements to it: topology.discover reads its peers from them); or (rejoin) a power cut it comes back from.
 */
async function loseHost(sc: Scenario): Promise<void> {
  if (sc.fresh) {
    await labKill(lab.name, sc.lost);
    await labRevive(lab.name, sc.lost);
  } else {
    await labPowerOff(lab.name, sc.lost);
    await powerOn(sc.lost);
  }
  await s.reset();
}

const caHosts = () => s.inventory.hosts.filter((h) => h.roles.includes('ca')).map((h) => h.name);

async function verifiedEndState(sc: Scenario, tag: string): Promise<void> {
  const ca = s.inventory.vars.ca_suffix as string;
  expect(await sameEntriesEverywhere(s.connect, s.instance, s.suffix, s.hosts)).toMatchObject({ ok: true });
  expect(await sameEntriesEverywhere(s.connect, s.instance, ca, caHosts())).toMatchObject({ ok: true });
  const agreements = [];
  for (const h of s.hosts) agreements.push(...(await listAgreements(await s.connect(h), s.inventory, h, s.instance)));
  // A 4-host mesh: 12 on the main suffix, 6 among the three CA hosts; every one on.
  expect(agreements.length).toBe(18);
  expect(agreements.filter((a) => !a.enabled).map((a) => `${a.host}:${a.name}`)).toEqual([]);
  await probeWrites(s.connect, { instance: s.instance, suffix: s.suffix, hosts: s.hosts, tag, timeoutMs: 20_000 });
  if (caHosts().includes(sc.lost)) await probeWrites(s.connect, { instance: s.instance, suffix: ca, hosts: caHosts(), tag, timeoutMs: 20_000 });
  const marker = await labExec(lab.name, sc.lost, ['test', '-e', creatingMarker(s.instance)]);
  expect(marker.code, 'the half-made instance marker is gone').toBe(1);
}

/** `step N host: changed|ok|failed|in flight` for every unit the journal knows, in order. */
function journalUnits(journal: JournalLine[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of journal) {
    const key = `${Number(l.step) + 1}:${String(l.host)}`;
    if (l.type === 'host.start') out.set(key, 'in flight');
    if (l.type === 'host.done' && !l.previous) out.set(key, String(l.status));
  }
  return out;
}

// One lab for every cell of this file (rebuilds and backups).
beforeAll(async () => {
  if (skip) return;
  stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-rfaults-'));
  lab = await withLab({ name: e2eLabName('rfault'), hosts: 4, entries: Number(process.env.REBUILD_FAULTS_ENTRIES ?? 1000), topology: 'mesh', ca: { ownIds: true } });
  s = await openSession(lab.name, lab.inventoryFile);
});

afterAll(async () => {
  await s?.close().catch(() => undefined);
  if (process.env.CI) await lab?.down().catch(() => undefined);
  else await lab?.close().catch(() => undefined);
});

describe.skipIf(!!skip || selectedCells().length === 0)('rebuild playbooks under faults (4-host mesh, CA on ds1 ds2 ds4)', () => {
  it.each(selectedCells())('%s', async (cell) => {
    const [key, fault, phase] = cell.split(':') as [string, Fault, string];
    const sc = SCENARIOS[key]!;
    expect(sc, `scenario ${key}`).toBeDefined();
    expect(FAULTS).toContain(fault);
    const step = sc.steps[phase]!;
    expect(step, `phase ${phase} of ${key}`).toBeDefined();
    const victim = victimOf(sc, fault, phase);
    await loseHost(sc);
    const params = { [sc.param]: sc.lost };
    const { when, delayMs } = trigger(fault, phase, step);

    let runId: string;
    let first: string;
    if (fault === 'sigkill' || fault === 'sigint') {
      const args = ['run', join(PLAYBOOKS, `${sc.playbook}.yaml`), '-i', s.inventoryFile, '--yes', '--state-dir', stateDir, ...Object.entries(params).flatMap(([k, v]) => ['-e', `${k}=${v}`])];
      const stop = await runCliUntil(args, when, fault === 'sigkill' ? 'SIGKILL' : 'SIGINT', delayMs);
      runId = stop.runId;
      expect(stop.sent, `the signal reached the run in step ${step + 1}`).toBe(true);
      if (fault === 'sigkill') {
        expect(stop.signal).toBe('SIGKILL');
        expect((await listRuns(stateDir)).find((r) => r.runId === runId)?.status).toBe('interrupted');
        first = 'killed';
      } else {
        const done = stop.events.find((e) => e.type === 'run.done');
        expect(done?.status).toBe('interrupted');
        expect(done?.next).toContain(`lifeboat resume ${runId}`);
        first = 'interrupted';
      }
    } else {
      const injected: Promise<void>[] = [];
      const out: RunOutcome = await startRun({
        playbookFile: join(PLAYBOOKS, `${sc.playbook}.yaml`),
        inventoryFile: s.inventoryFile,
        params,
        yes: true,
        concurrency: 10,
        stateDir,
        onEvent: (e: RunEvent) => {
          if (injected.length === 0 && when(e as CliEvent)) injected.push(new Promise((res) => setTimeout(res, delayMs)).then(() => inject(fault, phase, victim)));
        },
      });
      await Promise.all(injected);
      expect(injected.length, 'the fault was injected').toBe(1);
      runId = out.runId;
      if (out.status === 'failed') {
        // Names the step and the host, and the exact command that continues.
        expect(out.failed?.error).toMatch(new RegExp(`^step \\d+ ".+"( on ds\\d)?: `));
        expect(out.next).toContain(`lifeboat resume ${runId}`);
        first = `failed at ${out.failed?.error.slice(0, 160)}`;
      } else {
        first = `${out.status} (fault not noticed)`;
      }
    }
    await remove(fault, phase, victim);

    // The journal: every unit before the faulted step completed; none of the faulted step on its host did.
    const units = journalUnits(await readJournal(join(stateDir, 'runs', runId)));
    const before = [...units.entries()].filter(([k]) => Number(k.split(':')[0]) <= step);
    expect(before.filter(([, v]) => v === 'failed' || v === 'in flight').every(([k]) => Number(k.split(':')[0]) === step + 1), JSON.stringify(before)).toBe(true);

    let resumed = 'nothing to resume';
    try {
      const out = await resumeRun(runId, { yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
      expect(out.failed?.error).toBeUndefined();
      expect(out.status).toBe('done');
      resumed = 'resume: done';
    } catch (e) {
      if (!/already finished/.test((e as Error).message)) throw e;
    }
    await verifiedEndState(sc, `${key}${fault}${phase}`.slice(0, 20));
    if (process.env.FAULT_REPORT) appendFileSync(process.env.FAULT_REPORT, `${cell}\t${first}; ${resumed}; verified end state\n`);
  });
});

/* ---- backup ---- */

const BACKUP_PLAYBOOK = fileURLToPath(new URL('../../playbooks/389ds/backup.yaml', import.meta.url));
const HOST = 'ds2';
const BACKUP_CELLS = ['sigkill:download', 'cut:download', 'full:download', 'kill:db2bak', 'sigkill:db2bak'];
/** SIGKILL mid-db2bak: the directory server was left down before offlineCommand wrote to a file. */
const BACKUP_CI_CELLS = ['sigkill:db2bak'];

function selectedBackupCells(): string[] {
  const env = process.env.BACKUP_FAULTS;
  if (env === 'all') return BACKUP_CELLS;
  if (env) return env.split(',').map((c) => c.trim()).filter(Boolean);
  return BACKUP_CI_CELLS;
}

const instance = () => String(lab.inventory.vars.instance ?? 'lab');

/** A slow link from the host (tbf on its own end of the veth): the download takes seconds, so a fault lands inside it. */
function slowLink(on: boolean): void {
  const args = on ? ['add', 'dev', 'eth0', 'root', 'tbf', 'rate', '16mbit', 'burst', '32kbit', 'latency', '400ms'] : ['del', 'dev', 'eth0', 'root'];
  execFileSync('ip', ['netns', 'exec', netnsName(lab.name, HOST), 'tc', 'qdisc', ...args]);
}

async function hostSh(command: string): Promise<string> {
  const r = await labExec(lab.name, HOST, ['sh', '-c', command]);
  return r.stdout.trim();
}

/** What backups leave on the host: archives in /var/tmp and the bak dir. */
const hostLeftovers = () => hostSh(`ls /var/tmp | grep '^lifeboat-' ; ls /var/lib/dirsrv/slapd-${instance()}/bak | grep '^lifeboat-'; true`);


describe.skipIf(!!skip || selectedBackupCells().length === 0)('backup under faults (backup of ds2)', () => {
  it.each(selectedBackupCells())('%s', async (cell) => {
    expect(BACKUP_CELLS).toContain(cell);
    const [fault, phase] = cell.split(':') as [string, string];
    const root = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-bk-'));
    const params = { host: HOST, dest: root, ...(phase === 'db2bak' ? { method: 'db2bak' } : {}) };
    const run = (onEvent: (e: RunEvent) => void = () => undefined) =>
      startRun({ playbookFile: BACKUP_PLAYBOOK, inventoryFile: lab.inventoryFile, params, yes: true, concurrency: 10, stateDir, onEvent });
    // A good backup first: the one `latest` must still pick while the faulted one is unfinished.
    const good = await run();
    expect(good.status).toBe('done');
    const before = (await listBackups(root, lab.inventory.cluster)).map((b) => b.name);
    expect(before).toHaveLength(1);

    let runId: string;
    let first: string;
    if (fault === 'full') {
      // A tmpfs too small for the payload, as the backup root.
      const small = join(root, 'small');
      mkdirSync(small);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
      try {
        const out: RunOutcome = await startRun({ playbookFile: BACKUP_PLAYBOOK, inventoryFile: lab.inventoryFile, params: { ...params, dest: small }, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
        expect(out.status).toBe('failed');
        expect(out.failed?.error).toMatch(/^step 2 "Back up and fetch to the controller" on ds2: .*(ENOSPC|no space)/i);
        expect(out.next).toContain(`lifeboat resume ${out.runId}`);
        expect((await listBackups(small, lab.inventory.cluster)).map((b) => b.name), 'no unfinished directory left on the full disk').toEqual([]);
        runId = out.runId;
        first = `failed: ${out.failed?.error.slice(0, 140)}`;
        // The fix: room on the same backup root.
        execFileSync('mount', ['-o', 'remount,size=512m', small]);
        const resumed = await resumeRun(runId, { yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
        expect(resumed.status).toBe('done');
        const made = await latestVerifiedBackup(small, lab.inventory.cluster);
        expect(made.dir, made.why).toBeDefined();
      } finally {
        execFileSync('umount', [small]);
      }
      expect(await hostLeftovers()).toBe('');
      if (process.env.FAULT_REPORT) appendFileSync(process.env.FAULT_REPORT, `backup ${cell}\t${first}; resume: done; new backup verifies, nothing left behind\n`);
      return;
    }

    const when = phase === 'download' ? (e: { type?: string; message?: string }) => e.type === 'host.progress' && /^fetching /.test(e.message ?? '') : (e: { type?: string; step?: number }) => e.type === 'host.start' && e.step === 1;
    const delayMs = phase === 'download' ? 800 : 1500;
    if (phase === 'download') slowLink(true);
    try {
      if (fault === 'sigkill') {
        const args = ['run', BACKUP_PLAYBOOK, '-i', lab.inventoryFile, '--yes', '--state-dir', stateDir, ...Object.entries(params).flatMap(([k, v]) => ['-e', `${k}=${v}`])];
        const stop = await runCliUntil(args, when, 'SIGKILL', delayMs);
        expect(stop.sent).toBe(true);
        runId = stop.runId;
        expect((await listRuns(stateDir)).find((r) => r.runId === runId)?.status).toBe('interrupted');
        first = 'killed';
      } else {
        let injected: Promise<void> | undefined;
        const out = await run((e) => {
          if (!injected && when(e)) injected = new Promise((res) => setTimeout(res, delayMs)).then(() => (fault === 'cut' ? labCut(lab.name, HOST) : labPowerOff(lab.name, HOST)));
        });
        await injected;
        expect(injected).toBeDefined();
        expect(out.status).toBe('failed');
        expect(out.failed?.error).toMatch(/^step 2 "Back up and fetch to the controller" on ds2: /);
        expect(out.next).toContain(`lifeboat resume ${out.runId}`);
        runId = out.runId;
        first = `failed: ${out.failed?.error.slice(0, 140)}`;
      }
    } finally {
      if (phase === 'download') slowLink(false);
    }
    // The unfinished backup is never taken as good: `latest` still picks the good one.
    const latest = await latestVerifiedBackup(root, lab.inventory.cluster);
    expect(latest.dir?.endsWith(before[0]!), latest.why).toBe(true);
    if (fault === 'cut') await labUncut(lab.name, HOST);
    if (fault === 'kill') await powerOn(HOST);
    // The directory server is up once the killed run's remote work ended (a SIGKILLed controller
    // mid-db2bak once left it stopped): its offline shell runs on to its end without the controller.
    // (Two calls: a pgrep pattern in the same shell as `dsctl … status` would match that shell.)
    const serverState = async () => (await hostSh("pgrep -f '[d]sctl|[d]b2bak' >/dev/null && echo busy")) || hostSh(`dsctl ${instance()} status`);
    await expect.poll(serverState, { timeout: 120_000, interval: 1000 }).toMatch(/^Instance "\S+" is running$/);

    const resumed = await resumeRun(runId, { yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
    expect(resumed.failed?.error).toBeUndefined();
    expect(resumed.status).toBe('done');
    const all = await listBackups(root, lab.inventory.cluster);
    // Exactly the good one and the resumed one, both complete; the unfinished directory is gone.
    expect(all.map((b) => b.problem ?? 'ok')).toEqual(['ok', 'ok']);
    const now = await latestVerifiedBackup(root, lab.inventory.cluster);
    expect(now.dir?.endsWith(all[1]!.name), now.why).toBe(true);
    expect(await hostLeftovers(), 'archives left on the host').toBe('');
    if (process.env.FAULT_REPORT) appendFileSync(process.env.FAULT_REPORT, `backup ${cell}\t${first}; resume: done; new backup verifies, nothing left behind\n`);
  });
});
