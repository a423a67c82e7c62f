import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { bigInventoryYaml } from '../../helpers/big-inventory.ts';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Loading is linear: a 10,000-host inventory loads and validates completely (timings live in
 * bench/load.ts). With the YAML library's quadratic duplicate-key check this took minutes at 50 MB.
 */
describe('a 10,000-host inventory', () => {
  it('loads with every host, its group and its vars, and still finds a duplicate host at its line', async () => {
    const text = bigInventoryYaml(10_000);
    const file = join(dir, 'big.yaml');
    writeFileSync(file, text);
    const inv = await loadInventory(file);
    expect(inv.hosts).toHaveLength(10_000);
    expect(inv.groups.even).toHaveLength(5_000);
    expect(inv.hosts[9_998]).toMatchObject({ name: 'h9998', groups: ['even'], vars: { replica_id: 9999 } });
    expect(inv.hosts[9_999]!.groups).toEqual([]);

    // The duplicate check Lifeboat does itself (uniqueKeys: false in the parser) still works.
    const dup = text.replace('  h9999:', '  h5:');
    writeFileSync(join(dir, 'dup.yaml'), dup);
    const line = dup.split('\n').findIndex((l, i) => l === '  h5:' && i > 100) + 1;
    await expect(loadInventory(join(dir, 'dup.yaml'))).rejects.toThrow(new RegExp(`dup\\.yaml:${line}:3: YAML syntax: duplicate key "h5"`));
  }, 60_000);
});
