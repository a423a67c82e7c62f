/**
 * The shipped example inventories plan every shipped playbook cleanly (exit 0, no problem), so a
 * new user's first `lifeboat plan` works as the README says. A playbook whose actions do not serve
 * an inventory's profile is refused with the reason (exit 2), and that pairing is listed here.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';
import { writeHeader } from '../../../src/backup/index.ts';
import { sha256File } from '../../../src/backup/index.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { sampleHeader } from '../backup/sample-header.ts';
import { fakeIO } from './fake-io.ts';

const ROOT = join(import.meta.dirname, '../../..');
const inventories = readdirSync(join(ROOT, 'inventories')).filter((f) => /^example-.*\.yaml$/.test(f));
const playbooks = readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
/** Profiles whose directory actions the 389ds playbooks use (see src/actions/389ds/index.ts). */
const DIRECTORY_PROFILES = ['389ds', 'ipa'];

let dir: string;
let backup: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-examples-'));
  // A backup of ipa1 as the backup playbook would have stored it (profile ipa).
  backup = join(dir, 'idm-prod', 'lifeboat-data-2026-11-22-04-05-06');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(backup, { recursive: true });
  writeFileSync(join(backup, 'payload.tar'), 'example payload\n');
  const sum = await sha256File(join(backup, 'payload.tar'));
  await writeHeader(backup, sampleHeader({
    cluster: 'idm-prod', profile: 'ipa', host: 'ipa1', hostname: 'ipa1.dc1.example.com', instance: 'EXAMPLE-COM',
    suffixes: ['dc=example,dc=com'], backends: { 'dc=example,dc=com': 'userroot' }, replicaIds: { 'dc=example,dc=com': 4 },
    roles: ['ca', 'kra', 'dns', 'renewal'], clusterRoles: ['ca', 'kra', 'dns', 'renewal'],
    payload: { file: 'payload.tar', size: sum.size, sha256: sum.sha256 }, archive: { size: sum.size, sha256: sum.sha256 },
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The params each shipped playbook needs, for a given first host. */
function paramsFor(playbook: string, first: string, second: string): string[] {
  switch (playbook) {
    case 'data-loss':
      return ['-e', `master=${first}`, '-e', `backup=${backup}`];
    case 'server-loss':
    case 'ca-replica-rebuild':
      return ['-e', `lost=${second}`];
    case 'lab-provision':
      return ['-e', `source=${first}`];
    default:
      return [];
  }
}

describe('shipped examples', () => {
  it('there are example inventories and playbooks to check', () => {
    expect(inventories.length).toBeGreaterThanOrEqual(2);
    expect(playbooks).toEqual(expect.arrayContaining(['backup', 'data-loss', 'server-loss', 'ca-replica-rebuild']));
  });

  for (const inv of inventories) {
    for (const pb of playbooks) {
      it(`plan ${pb} -i inventories/${inv}`, async () => {
        const file = join(ROOT, 'inventories', inv);
        const loaded = await loadInventory(file);
        const [first, second] = loaded.hosts.map((h) => h.name);
        const io = fakeIO();
        const code = await runCli(['node', 'lifeboat', 'plan', pb, '-i', file, ...paramsFor(pb, first!, second!)], io);
        if (DIRECTORY_PROFILES.includes(loaded.profile)) {
          expect(code, io.err()).toBe(0);
          expect(io.err()).toBe('');
          expect(io.out()).toMatch(/Summary:\n {2}destructive steps: /);
          expect(io.out()).not.toContain('cannot plan');
        } else {
          // Not these actions' profile: refused before anything, saying which profiles they serve.
          expect(code).toBe(2);
          expect(io.err()).toMatch(/is not available for profile "keytrustee" .*it works on: 389ds, ipa/);
        }
      });
    }
  }
});
