import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ldapModify, ldapSearch } from '../../src/profiles/389ds/actions/ldap.ts';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { startRun, type RunOutcome } from '../../src/engine/index.ts';
import { labKill, labRevive } from '../../src/lab/index.ts';
import { takeBackup } from '../../src/rehearse/backup-step.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * Lifeboat tried as a new administrator would, on a shape the default lab does not build: instance
 * slapd-corp (not slapd-lab) holding dc=corp,dc=internal, a 4-host RING (ds1-ds2-ds3-ds4-ds1) whose
 * CA suffix o=ipaca is a mesh among ds1, ds2, ds4. The master is ds2, not the first host, and the
 * lost host is ds3, the one without the CA. Tests run in order; each leaves the lab converged.
 */

const skip = labSkipReason();
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));
const INSTANCE = 'corp';
const SUFFIX = 'dc=corp,dc=internal';
const MASTER = 'ds2';
const LATE = `uid=late,ou=people,${SUFFIX}`;

let lab: LabFixture;
let s: LabSession;
let stateDir: string;
let backup: string;

function run(playbook: string, params: Record<string, string>, inventoryFile = s.inventoryFile): Promise<RunOutcome> {
  return startRun({ playbookFile: join(PLAYBOOKS, `${playbook}.yaml`), inventoryFile, params, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
}

async function waitUntil(ok: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function has(host: string, dn: string): Promise<boolean> {
  return (await ldapSearch(await s.connect(host), INSTANCE, dn, 'base', '(objectClass=*)', ['1.1']).catch(() => [])).length > 0;
}

/** Domain-suffix agreements as "host->peer", every host. */
async function domainLinks(): Promise<string[]> {
  const out: string[] = [];
  for (const h of s.hosts) {
    for (const a of await listAgreements(await s.connect(h), s.inventory, h, INSTANCE, [SUFFIX])) out.push(`${h}->${a.peer}`);
  }
  return out.sort();
}

/** A copy of the lab's inventory with one change, as a stale inventory would have it. */
function staleInventory(name: string, change: (inv: { vars: Record<string, unknown> }) => void): string {
  const inv = parse(readFileSync(s.inventoryFile, 'utf8')) as { vars: Record<string, unknown> };
  change(inv);
  const file = join(stateDir, `${name}.yaml`);
  writeFileSync(file, stringify(inv));
  return file;
}

const RING = ['ds1->ds2', 'ds1->ds4', 'ds2->ds1', 'ds2->ds3', 'ds3->ds2', 'ds3->ds4', 'ds4->ds1', 'ds4->ds3'];

describe.skipIf(!!skip)('new shapes: slapd-corp, dc=corp,dc=internal, a ring, a non-first master', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-shapes-'));
    lab = await withLab({ name: e2eLabName('shapes'), hosts: 4, entries: 50, topology: 'ring', instance: INSTANCE, suffix: SUFFIX });
    s = await openSession(lab.name, lab.inventoryFile);
    backup = (await takeBackup({ inventoryFile: s.inventoryFile, host: 'ds4', dest: join(stateDir, 'backups'), stateDir, workDir: stateDir })).dir;
  });

  afterAll(async () => {
    await s?.close().catch(() => undefined);
    if (process.env.CI) await lab?.down().catch(() => undefined);
    else await lab?.close().catch(() => undefined);
  });

  it('the lab runs slapd-corp with dc=corp,dc=internal on a ring', async () => {
    expect(s.instance).toBe(INSTANCE);
    expect(s.suffix).toBe(SUFFIX);
    expect(await has('ds3', `ou=people,${SUFFIX}`)).toBe(true);
    expect(await domainLinks()).toEqual(RING);
  });

  it('a stale inventory (wrong suffix, instance or LDAP port) is refused before any change, naming host and fix', async () => {
    await ldapModify(await s.connect('ds3'), INSTANCE, `dn: ${LATE}\nchangetype: add\nobjectClass: account\nuid: late\n`);
    // Replicated everywhere first (two hops round the ring), so "still everywhere" below proves nothing was undone.
    for (const h of s.hosts) await waitUntil(() => has(h, LATE), `${LATE} replicated to ${h}`);
    const wrongPort = await run('data-loss', { master: MASTER, backup }, staleInventory('port', (i) => (i.vars.ldap_port = 1389)));
    expect(wrongPort.status).toBe('failed');
    expect(wrongPort.failed?.error).toMatch(/ds1: the inventory says ldap_port 1389, but agreement ds\d-to-ds1 on ds\d \(dc=corp,dc=internal\) sends to port 389: set ldap_port: 389/);
    for (const [name, change, message] of [
      ['suffix', (i: { vars: Record<string, unknown> }) => (i.vars.suffixes = ['dc=example,dc=com']), /ds2 does not hold suffix\(es\) dc=corp,dc=internal from the backup/],
      ['instance', (i: { vars: Record<string, unknown> }) => (i.vars.instance = 'lab'), /the backup is of instance corp, ds2 runs lab/],
    ] as const) {
      await expect(run('data-loss', { master: MASTER, backup }, staleInventory(name, change))).rejects.toThrow(message);
    }
    // A rebuild from a stale suffix list stops at the survivors' discovery, before it creates anything.
    const rebuild = await run('server-loss', { lost: 'ds3' }, staleInventory('suffix', (i) => (i.vars.suffixes = ['dc=example,dc=com'])));
    expect(rebuild.status).toBe('failed');
    expect(rebuild.failed?.error).toMatch(/disagree on the suffixes; nothing was changed:\n- ds1: the inventory says it holds dc=example,dc=com but its server has no replica of it/);
    // Nothing changed: the entry written after the backup is still everywhere, every agreement on.
    for (const h of s.hosts) expect(await has(h, LATE), h).toBe(true);
    for (const h of s.hosts) expect((await listAgreements(await s.connect(h), s.inventory, h, INSTANCE)).every((a) => a.enabled), h).toBe(true);
  });

  it('data-loss from ds2 (not the first host) restores every host of the ring', async () => {
    const out = await run('data-loss', { master: MASTER, backup });
    expect(out.status, out.failed?.error).toBe('done');
    for (const h of s.hosts) expect(await has(h, LATE), h).toBe(false);
    expect(await domainLinks()).toEqual(RING);
  });

  it('server-loss of ds3 rebuilds it along its own suffix\'s agreements only (the CA mesh adds no domain link)', async () => {
    await labKill(lab.name, 'ds3');
    await labRevive(lab.name, 'ds3');
    await s.reset();
    const out = await run('server-loss', { lost: 'ds3' });
    expect(out.status, out.failed?.error).toBe('done');
    expect(await has('ds3', `ou=people,${SUFFIX}`)).toBe(true);
    // Before the fix, the survivors' merged topology (o=ipaca links ds2 and ds4) made the rebuild
    // create ds2->ds4 and ds4->ds2 domain agreements that never existed.
    expect(await domainLinks()).toEqual(RING);
  });
});
