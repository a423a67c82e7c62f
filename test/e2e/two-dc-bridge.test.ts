import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { gatherReadiness } from '../../src/dr/gather.ts';
import { scoreReadiness } from '../../src/dr/items.ts';
import { startRun, type RunOutcome } from '../../src/engine/index.ts';
import { loadInventory } from '../../src/inventory/index.ts';
import { labKill, labRevive } from '../../src/lab/index.ts';
import { ldapModify } from '../../src/profiles/389ds/actions/ldap.ts';
import { listAgreements } from '../../src/profiles/389ds/actions/replication/agreements.ts';
import { deleteRecord } from '../../src/profiles/389ds/actions/replication/ldif-build.ts';
import { openSession, type LabSession } from '../../src/profiles/389ds/rehearse/lab-session.ts';
import { e2eLabName, labSkipReason, withLab, type LabFixture } from './lab-fixture.ts';

/**
 * Two data centres joined by ONE domain agreement, as an administrator's cluster ends up (an 8-host
 * version was tried by hand: docs/eight-host-two-dc-log.md). A 5-host two-dc lab, DC1 = ds1-ds3,
 * DC2 = ds4-ds5, o=ipaca on ds1, ds2, ds5; the second bridge ds2-ds5 is cut, so ds1-ds4 is the only
 * domain link and CA host ds5 reaches the domain through ds4 (no CA) only. The inventory has no
 * `topology`: the servers' agreements are the only map.
 */

const skip = labSkipReason();
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/389ds/', import.meta.url));

let lab: LabFixture;
let s: LabSession;
let stateDir: string;
let inventoryFile: string;

function run(playbook: string, params: Record<string, string>): Promise<RunOutcome> {
  return startRun({ playbookFile: join(PLAYBOOKS, `${playbook}.yaml`), inventoryFile, params, yes: true, concurrency: 10, stateDir, onEvent: () => undefined });
}

/** The summary the engine journaled for a step on a host. */
function summaryOf(out: RunOutcome, step: string, host: string): string {
  const events = readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const index = (events.find((e) => e.type === 'step.start' && e.name === step) as { step?: number } | undefined)?.step;
  return String((events.find((e) => e.type === 'host.done' && e.step === index && e.host === host) as { summary?: string } | undefined)?.summary ?? '');
}

describe.skipIf(!!skip)('two data centres joined by one domain agreement', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-bridge-'));
    lab = await withLab({ name: e2eLabName('bridge'), hosts: 5, entries: 50, topology: 'two-dc', fresh: true });
    s = await openSession(lab.name, lab.inventoryFile);
    for (const [h, peer] of [['ds2', 'ds5'], ['ds5', 'ds2']] as const) {
      for (const a of await listAgreements(await s.connect(h), s.inventory, h, s.instance, [s.suffix])) {
        if (a.peer === peer) await ldapModify(await s.connect(h), s.instance, deleteRecord(a.dn));
      }
    }
    // An administrator's inventory: no topology var.
    const inv = parse(readFileSync(lab.inventoryFile, 'utf8')) as { vars: Record<string, unknown> };
    for (const k of ['topology', 'topology_kind', 'ca_topology', 'ca_topology_kind']) delete inv.vars[k];
    inventoryFile = join(stateDir, 'inventory.yaml');
    writeFileSync(inventoryFile, stringify(inv));
  });

  afterAll(async () => {
    await s?.close().catch(() => undefined);
    await lab?.down().catch(() => undefined);
  });

  it('dr check names both ends of the domain bridge, though o=ipaca also crosses the data centres', async () => {
    const facts = await gatherReadiness(await loadInventory(inventoryFile), { stateDir, maxBackupAgeMs: 86_400_000 });
    const items = Object.fromEntries(scoreReadiness(facts).map((i) => [i.id, i]));
    expect(items['no-articulation-point']).toMatchObject({ status: 'fail', why: `losing ds1, ds4 would split ${s.suffix}` });
    expect(items['graph-connected']!.status).toBe('pass');
  });

  it('ca-replica-rebuild of ds5 takes o=ipaca from a CA host and the domain from ds4, its only domain peer', async () => {
    await labKill(lab.name, 'ds5');
    await labRevive(lab.name, 'ds5');
    await s.reset();
    const out = await run('ca-replica-rebuild', { lost: 'ds5' });
    // Before the fix: "ds1 has no agreement to ds5 for dc=lab,dc=test", after the instance was created.
    expect(out.status, out.failed?.error).toBe('done');
    const reinit = summaryOf(out, 'Re-initialize both suffixes from the surviving CA host', 'ds5');
    expect(reinit).toContain(`${s.suffix} from ds4`);
    expect(reinit).toMatch(/o=ipaca from ds[12]/);
    // The rebuilt host's domain agreements follow the servers: to ds4 only, not to the CA hosts.
    expect((await listAgreements(await s.connect('ds5'), s.inventory, 'ds5', s.instance, [s.suffix])).map((a) => a.peer)).toEqual(['ds4']);
  });
});
