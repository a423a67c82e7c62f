import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.ts';

describe('inventories/example-ciphertrust.yaml', () => {
  it('loads cleanly: profile ciphertrust, three members, credentials as secret references', async () => {
    const inv = await loadInventory(fileURLToPath(new URL('../../../inventories/example-ciphertrust.yaml', import.meta.url)));
    expect(inv.warnings).toBeUndefined();
    expect(inv.profile).toBe('ciphertrust');
    expect(selectHosts(inv, 'role:member').map((h) => h.name)).toEqual(['cm1', 'cm2', 'cm3']);
    expect(inv.secrets.api_password).toEqual({ env: 'LIFEBOAT_CTM_PASSWORD' });
    expect(inv.vars.lts_releases).toEqual(['2.11', '2.17', '2.20']);
  });
});
