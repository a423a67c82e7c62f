import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allActions } from '../../../src/actions/registry.ts';
import { loadProfiles } from '../../../src/profiles/registry.ts';
import { resolvePlaybookArg } from '../../../src/cli/common.ts';
import { ENGINE_NAMES } from '../../../src/engine/vars.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { loadPlaybook } from '../../../src/playbook/index.ts';
import { validatePlaybook } from '../../../src/engine/validate-playbook.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import { ktsBackupName, checkKtsBody } from '../../../src/profiles/keytrustee/actions/backup-name.ts';
import { ktsBackupRestore } from '../../../src/profiles/keytrustee/actions/backup-restore.ts';
import { ktsStandbyRebuild } from '../../../src/profiles/keytrustee/actions/standby-rebuild.ts';
import { ktsBackupCreate } from '../../../src/profiles/keytrustee/actions/backup-create.ts';
import { pairOf } from '../../../src/profiles/keytrustee/kts-vars.ts';
import { dropStandbyFilesCommand } from '../../../src/profiles/keytrustee/pg.ts';
import { ktsVars } from '../../../src/profiles/keytrustee/kts-vars.ts';

// The registry's lookups need the profiles' code loaded (the run loader does this for a run).
beforeAll(loadProfiles);

const ROOT = join(import.meta.dirname, '..', '..', '..');
const host = (name: string, roles: string[]): InventoryHost => ({ name, address: `${name}.example.com`, roles, vars: {} }) as unknown as InventoryHost;
const inv = (hosts: InventoryHost[]): Inventory => ({ file: 'kts.yaml', cluster: 'kts', profile: 'keytrustee', vars: {}, secrets: {}, hosts, groups: {} }) as unknown as Inventory;
const ctx = (i: Inventory, h: InventoryHost, args: Record<string, unknown> = {}) => ({ inventory: i, host: h, args, vars: {}, check: false }) as unknown as ActionContext;

describe('keytrustee playbooks', () => {
  it('each validates against the example inventory, through the registry', async () => {
    const inventory = await loadInventory(join(ROOT, 'inventories', 'example-keytrustee.yaml'));
    const params: Record<string, Record<string, string>> = { backup: { recipient_key: 'k.asc' }, 'data-loss': { backup: 'latest' }, 'passive-loss': {}, 'active-loss': {} };
    for (const [name, given] of Object.entries(params)) {
      const file = resolvePlaybookArg(name, ROOT, ROOT, inventory.profile);
      expect(file).toBe(join(ROOT, 'playbooks', 'keytrustee', `${name}.yaml`));
      const pb = await loadPlaybook(file);
      expect(() => validatePlaybook(pb, inventory, given, allActions('keytrustee'), { runtimeNames: [...ENGINE_NAMES] })).not.toThrow();
    }
  });
});

describe('keytrustee profile', () => {
  it('names backups as ktbackup.sh does', () => {
    expect(ktsBackupName('kts01.example.com', new Date(Date.UTC(2016, 1, 10, 11, 14, 37)))).toBe('kts_bak_kts01_example_com_2016-02-10_11-14-37');
  });

  it('uses the seed\'s defaults when the inventory gives none', () => {
    expect(ktsVars(inv([]))).toEqual({ confdir: '/var/lib/keytrustee/.keytrustee', dbPort: 11381, pgRootdir: '/var/lib/keytrustee/db', serviceUser: 'keytrustee', database: 'keytrustee', pgBindir: '/usr/lib/postgresql/15/bin', replicationSlot: '' });
  });

  it('a pair is exactly one active and one passive', () => {
    expect(() => pairOf(inv([host('a', ['active']), host('b', ['active'])]))).toThrow(/exactly one host with role active and one with role passive/);
    expect(pairOf(inv([host('a', ['active']), host('b', ['passive']), host('k', ['kms'])])).passive.name).toBe('b');
  });

  it('never promotes the passive: restore refuses it, and a standby rebuild refuses the active', async () => {
    const a = host('kts1', ['active']);
    const p = host('kts2', ['passive']);
    const i = inv([a, p]);
    await expect(ktsBackupRestore.run(ctx(i, p, { backup: 'latest' }))).rejects.toThrow(/promoting the passive is not supported/);
    await expect(async () => ktsStandbyRebuild.plan(ctx(i, a))).rejects.toThrow(/kts1 is not the passive server/);
  });

  it('refuses a backup with neither a recipient nor cleartext: true, and a recipient key file that is not there', async () => {
    const a = host('kts1', ['active']);
    await expect(async () => ktsBackupCreate.plan(ctx(inv([a, host('kts2', ['passive'])]), a))).rejects.toThrow(/give recipient_key/);
    await expect(async () => ktsBackupCreate.plan(ctx(inv([a, host('kts2', ['passive'])]), a, { recipient_key: '/nonexistent/k.asc' }))).rejects.toThrow(
      /^cannot read key file \/nonexistent\/k\.asc: no such file$/,
    );
  });

  it('strips every standby setting from a copy of the passive (seed 004, PostgreSQL >= 12 too)', () => {
    const c = dropStandbyFilesCommand(ktsVars(inv([])));
    for (const f of ['standby.signal', 'recovery.conf', 'primary_conninfo']) expect(c).toContain(f);
  });

  it('checks the body of its backup header', () => {
    expect(checkKtsBody({ kind: 'server', archiveName: 'kts_bak_a_b.tar', confdir: '/x', sqlFile: '/x.sql', database: 'keytrustee', deposits: { count: 1, maxId: 1, digest: 'd' } })).toEqual([]);
    expect(checkKtsBody({ kind: 'other' })).toContain('kind must be "server" or "kms"');
  });
});
