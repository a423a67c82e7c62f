import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunEvent } from '../../src/engine/index.ts';
import { labDown } from '../../src/lab/index.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * The ipa profile on real servers that are NOT FreeIPA servers (no FreeIPA server package exists
 * for Debian 12): every ipa playbook refuses at its first step, naming the host and the missing
 * tools, before anything changes; and the directory-level 389ds actions the ipa profile reuses
 * through the registry run on an `profile: ipa` inventory.
 */
const LAB = e2eLabName('e2eipa');
const skip = labSkipReason();
if (skip) console.warn(`skipping ipa profile e2e tests: ${skip}`);

const MISSING = 'ipactl, ipa-backup, ipa-restore, ipa-replica-manage, ipa-csreplica-manage not found on';
const fixtureBackup = path.resolve('test/fixtures/ipa/store/idm-prod/lifeboat-data-2026-11-30-12-14-30');

describe.skipIf(skip !== undefined)('profile ipa on a lab of plain 389-ds servers', () => {
  let lab: LabFixture;
  let work: string;
  let ipaInventory: string;

  const enabledAgreements = async () => {
    const out: string[] = [];
    for (const h of lab.inventory.hosts) {
      for (const a of await lab.search(h.name, 'cn=config', 'sub', '(objectClass=nsds5replicationagreement)', ['nsds5ReplicaEnabled'])) {
        out.push(`${h.name} ${a.dn} ${a.attrs['nsds5replicaenabled']?.[0] ?? 'on'}`);
      }
    }
    return out.sort();
  };

  const run = (playbook: string, params: Record<string, string>, events: RunEvent[] = []) =>
    startRun({
      playbookFile: path.resolve(playbook),
      inventoryFile: ipaInventory,
      params,
      yes: true,
      concurrency: 2,
      stateDir: path.join(work, 'state'),
      onEvent: (e) => events.push(e),
    });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'lb-e2e-ipa-'));
    lab = await withLab({ name: LAB, hosts: 2, entries: 50, fresh: true });
    // The lab's own inventory, as an IdM cluster: same servers, profile ipa (paths in it are absolute).
    const text = readFileSync(lab.inventoryFile, 'utf8');
    expect(text).toMatch(/^profile: 389ds$/m);
    ipaInventory = path.join(work, 'ipa.yaml');
    writeFileSync(ipaInventory, text.replace(/^profile: 389ds$/m, 'profile: ipa'));
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    if (lab) rmSync(path.dirname(lab.inventoryFile), { recursive: true, force: true });
    await lab?.close();
    await labDown(LAB).catch(() => labDown(LAB));
  });

  it('data-loss refuses at its preflight (after the read-only fence check), naming each host and the missing IdM tools; no agreement changed', async () => {
    const before = await enabledAgreements();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((l) => l.endsWith(' on'))).toBe(true);
    const events: RunEvent[] = [];
    const outcome = await run('playbooks/ipa/data-loss.yaml', { master: 'ds1', backup: fixtureBackup }, events);
    expect(outcome.status).toBe('failed');
    expect(outcome.failed?.step).toBe(1); // steps count from 0: the fence check (read only), then the preflight
    expect(outcome.failed?.error).toMatch(new RegExp(`profile ipa: ${MISSING} ds[12]`));
    // Every host was checked and each refusal names its host.
    const failures = JSON.stringify(events);
    expect(failures).toContain(`${MISSING} ds1`);
    expect(failures).toContain(`${MISSING} ds2`);
    // Nothing anywhere changed: no later step started, the agreements are as they were.
    const started = events.flatMap((e) => (e.type === 'step.start' ? [e.step] : []));
    expect(started).toEqual([0, 1]);
    expect(await enabledAgreements()).toEqual(before);
  });

  it('backup refuses the same way on the hidden host, before ipa-backup is called', async () => {
    const outcome = await run('playbooks/ipa/backup.yaml', {});
    expect(outcome.status).toBe('failed');
    expect(outcome.failed?.error).toContain(`profile ipa: ${MISSING} ds2`);
  });

  it('the directory-level 389ds actions serve profile ipa through the registry, on the real servers', async () => {
    const pb = path.join(work, 'directory-level.yaml');
    writeFileSync(
      pb,
      ['name: directory-level', 'steps:', '  - name: Discover the topology', '    on: ds1', '    do: topology.discover', '    with:', '      hosts: all', '    register: topo', ''].join('\n'),
    );
    const events: RunEvent[] = [];
    const outcome = await run(pb, {}, events);
    expect(outcome.status, outcome.failed?.error).toBe('done');
    const done = events.find((e) => e.type === 'host.done');
    // Both suppliers read, and each suffix's re-initialization wave along its own agreements.
    expect(done && 'summary' in done ? done.summary : '').toBe('2 supplier(s) read; dc=lab,dc=test: wave 1: ds1->ds2; o=ipaca: wave 1: ds1->ds2');
  });
});
