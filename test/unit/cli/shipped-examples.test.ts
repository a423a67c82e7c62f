/**
 * The shipped example inventories plan every playbook of their profile cleanly (exit 0, no problem),
 * so a new user's first `lifeboat plan` works as the README says; the 389ds playbooks plan on a
 * 389ds inventory made here. Where a playbook needs a backup the example has none of, plan must
 * refuse (exit 2) naming it: plan is a gate. Every shipped playbook is in the table below, so a new
 * one cannot go unchecked.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
const names = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
const IPA_BACKUP = join(ROOT, 'test/fixtures/ipa/store/idm-prod/lifeboat-data-2026-11-30-12-14-30');

interface Case {
  params: string[];
  /** A refusal plan must give (exit 2), for a playbook whose example has no backup. */
  refuses?: RegExp;
}

let dir: string;
let inv389: string;
let backup389: string;

/** Per profile, per playbook: the params a new user would give, and what plan must answer. */
function cases(): Record<string, { inventory: string; playbooks: Record<string, Case> }> {
  return {
    '389ds': {
      inventory: inv389,
      playbooks: {
        backup: { params: [] },
        'data-loss': { params: ['-e', 'master=ds2', '-e', `backup=${backup389}`] },
        // server-loss rebuilds a host without the CA (a CA host is refused: ca-replica-rebuild).
        'server-loss': { params: ['-e', 'lost=ds3'] },
        'ca-replica-rebuild': { params: ['-e', 'lost=ds1'] },
        'lab-provision': { params: ['-e', 'source=ds1'] },
        rejoin: { params: ['-e', 'target=ds1'] },
      },
    },
    ipa: {
      inventory: join(ROOT, 'inventories/example-ipa.yaml'),
      playbooks: {
        backup: { params: [] },
        'data-loss': { params: ['-e', 'master=ipa1', '-e', `backup=${IPA_BACKUP}`] },
        'server-loss': { params: ['-e', 'lost=ipa2', '-e', 'from=ipa1'] },
        'ca-replica-rebuild': { params: ['-e', 'lost=ipa3', '-e', 'from=ipa1'] },
      },
    },
    keytrustee: {
      inventory: join(ROOT, 'inventories/example-keytrustee.yaml'),
      playbooks: {
        backup: { params: ['-e', 'cleartext=true'] },
        'active-loss': { params: [] },
        'passive-loss': { params: [] },
        'data-loss': { params: ['-e', 'backup=latest'], refuses: /no .*backup/i },
      },
    },
    ciphertrust: {
      inventory: join(ROOT, 'inventories/example-ciphertrust.yaml'),
      playbooks: {
        backup: { params: ['-e', 'node=cm1'] },
        'data-loss': { params: ['-e', 'node=cm2'], refuses: /no system CipherTrust backup of cluster ctm-prod/ },
        'node-loss': { params: ['-e', 'lost=cm3', '-e', 'survivor=cm1'] },
      },
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-examples-'));
  // A two-host 389ds cluster as the README's inventory section describes it.
  inv389 = join(dir, 'ds.yaml');
  writeFileSync(inv389, `cluster: lab
profile: 389ds
vars: { instance: lab, suffixes: ["dc=lab,dc=test", "o=ipaca"], ca_suffix: o=ipaca, backup_dir: ${dir} }
secrets:
  dm_password: { env: LIFEBOAT_EXAMPLE_SECRET }
  repl_password: { env: LIFEBOAT_EXAMPLE_SECRET }
hosts:
  ds1: { address: 127.0.0.1, roles: [ca], vars: { replica_id: 1 } }
  ds2: { address: 127.0.0.2, roles: [ca, hidden], vars: { replica_id: 2 } }
  ds3: { address: 127.0.0.3, roles: [], vars: { replica_id: 3 } }
`);
  process.env.LIFEBOAT_EXAMPLE_SECRET = 'example-secret-value';
  process.env.LIFEBOAT_DM_PASSWORD = 'example-secret-value';
  process.env.LIFEBOAT_SUDO_PASSWORD = 'example-secret-value';
  // A backup of ds2 as the backup playbook would have stored it.
  backup389 = join(dir, 'lab', 'lifeboat-data-2026-11-22-04-05-06');
  mkdirSync(backup389, { recursive: true });
  writeFileSync(join(backup389, 'payload.tar'), 'example payload\n');
  const sum = await sha256File(join(backup389, 'payload.tar'));
  await writeHeader(backup389, sampleHeader({ suffixes: ['dc=lab,dc=test', 'o=ipaca'], payload: { file: 'payload.tar', size: sum.size, sha256: sum.sha256 }, archive: { size: sum.size, sha256: sum.sha256 } }));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const v of ['LIFEBOAT_EXAMPLE_SECRET', 'LIFEBOAT_DM_PASSWORD', 'LIFEBOAT_SUDO_PASSWORD']) delete process.env[v];
});

describe('shipped examples', () => {
  it('the table covers every shipped playbook of every profile, and every example inventory', () => {
    const table = cases();
    expect(Object.keys(table.ipa!.playbooks).sort()).toEqual(names(join(ROOT, 'playbooks/ipa')));
    expect(Object.keys(table.keytrustee!.playbooks).sort()).toEqual(names(join(ROOT, 'playbooks/keytrustee')));
    expect(Object.keys(table.ciphertrust!.playbooks).sort()).toEqual(names(join(ROOT, 'playbooks/ciphertrust')));
    expect(Object.keys(table['389ds']!.playbooks).sort()).toEqual(names(join(ROOT, 'playbooks/389ds')));
    const examples = readdirSync(join(ROOT, 'inventories')).filter((f) => /^example-.*\.yaml$/.test(f)).map((f) => join(ROOT, 'inventories', f)).sort();
    expect(Object.values(table).map((c) => c.inventory).filter((f) => f.startsWith(ROOT)).sort()).toEqual(examples);
  });

  for (const profile of ['389ds', 'ipa', 'keytrustee', 'ciphertrust']) {
    describe(profile, () => {
      it('plans every playbook of the profile on its example inventory', async () => {
        const { inventory, playbooks } = cases()[profile]!;
        expect((await loadInventory(inventory)).profile).toBe(profile);
        for (const [pb, c] of Object.entries(playbooks)) {
          const io = fakeIO();
          const code = await runCli(['node', 'lifeboat', 'plan', pb, '-i', inventory, ...c.params], io);
          const what = `plan ${pb} -i ${inventory}: ${io.err()}`;
          if (c.refuses) {
            expect(code, what).toBe(2);
            expect(io.err(), what).toMatch(c.refuses);
            continue;
          }
          expect(code, what).toBe(0);
          expect(io.err(), what).toBe('');
          expect(io.out(), what).toMatch(/Summary:\n {2}destructive steps: /);
          expect(io.out(), what).not.toContain('cannot plan');
          expect(io.out(), what).not.toContain('example-secret-value');
        }
      });
    });
  }
});
