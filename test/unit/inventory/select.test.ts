import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.ts';
import { errorLines, tempDir } from './temp-files.ts';

const tmp = tempDir();
const inv = await loadInventory(
  tmp.write(
    'sel.yaml',
    `hosts:
  ds1: { address: 10.0.0.1, roles: [ca, renewal] }
  ds2: { address: 10.0.0.2, roles: [ca] }
  ds3: { address: 10.0.0.3, roles: [dns] }
  web4: { address: 10.0.0.4 }
groups: { dc1: [ds1, ds2], dc2: [ds3, web4] }
`,
  ),
);
const names = (selector: string, limit?: string) => selectHosts(inv, selector, limit).map((h) => h.name);

describe('selectHosts', () => {
  it('selects all, hosts, groups and roles, always in inventory order', () => {
    expect(names('all')).toEqual(['ds1', 'ds2', 'ds3', 'web4']);
    expect(names('ds2')).toEqual(['ds2']);
    expect(names('dc2')).toEqual(['ds3', 'web4']);
    expect(names('role:ca')).toEqual(['ds1', 'ds2']);
    expect(names('ds3,ds1')).toEqual(['ds1', 'ds3']);
    expect(names('role:renewal')).toEqual(['ds1']);
    expect(names('role:kra')).toEqual([]);
  });

  it('unions, excludes and intersects with Ansible pattern syntax', () => {
    expect(names('all:!ds1')).toEqual(['ds2', 'ds3', 'web4']);
    expect(names('role:ca:!ds1')).toEqual(['ds2']);
    expect(names('dc1:dc2:!role:ca')).toEqual(['ds3', 'web4']);
    expect(names('all:&dc2')).toEqual(['ds3', 'web4']);
    expect(names('dc2:&role:dns')).toEqual(['ds3']);
    expect(names(' ds1 , ds2 ')).toEqual(['ds1', 'ds2']);
    expect(names('ds*')).toEqual(['ds1', 'ds2', 'ds3']);
  });

  it('narrows with a limit; a limit of exclusions only starts from every host', () => {
    expect(names('all', 'dc1')).toEqual(['ds1', 'ds2']);
    expect(names('role:ca', '!ds2')).toEqual(['ds1']);
    expect(names('dc2', 'dc1')).toEqual([]);
    expect(names('all', '')).toEqual(['ds1', 'ds2', 'ds3', 'web4']);
  });

  it('rejects unknown names, unknown roles and malformed selectors with a hint', async () => {
    expect(await errorLines(() => names('ds9'))).toEqual(['host selector "ds9": unknown host or group "ds9" (did you mean "ds1"?)']);
    expect(await errorLines(() => names('all:!dc9'))).toEqual(['host selector "all:!dc9": unknown host or group "dc9" (did you mean "dc1"?)']);
    expect(await errorLines(() => names('role:cq'))).toEqual([
      'host selector "role:cq": unknown role "cq" (did you mean "ca"?); known roles: ca, kra, dns, hidden, renewal (or x-<name> for your own)',
    ]);
    expect(await errorLines(() => names('all', 'dsx'))).toEqual(['host selector "dsx": unknown host or group "dsx" (did you mean "ds1"?)']);
    expect(await errorLines(() => names('db*'))).toEqual(['host selector "db*": "db*" matches no host or group']);
    expect(await errorLines(() => names('ds1,'))).toEqual(['empty term in host selector "ds1,"']);
    expect(await errorLines(() => names('all:'))).toEqual(['host selector "all:" ends with ":"']);
  });
});
