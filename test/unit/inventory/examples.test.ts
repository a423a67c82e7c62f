import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.ts';

const example = (name: string) => fileURLToPath(new URL(`../../../inventories/${name}`, import.meta.url));

describe('example inventories', () => {
  it('example-ipa.yaml loads cleanly', async () => {
    const inv = await loadInventory(example('example-ipa.yaml'));
    expect(inv.warnings).toBeUndefined();
    expect(inv.profile).toBe('ipa');
    expect(inv.hosts.map((h) => h.name)).toEqual(['ipa1', 'ipa2', 'ipa3', 'ipa4']);
    expect(inv.vars.suffixes).toEqual(['dc=example,dc=com']);
    // The hidden replica holds every role: backups run there (IdM's advice).
    expect(selectHosts(inv, 'role:kra').map((h) => h.name)).toEqual(['ipa1', 'ipa3', 'ipa4']);
    expect(inv.hosts[3]!.ssh).toMatchObject({ jump: 'ipa1', port: 2222 });
  });

  it('example-keytrustee.yaml loads cleanly', async () => {
    const inv = await loadInventory(example('example-keytrustee.yaml'));
    expect(inv.warnings).toBeUndefined();
    expect(inv.profile).toBe('keytrustee');
    expect(inv.hosts.map((h) => [h.name, h.roles, h.ssh.become])).toEqual([
      ['kts1', ['active'], true],
      ['kts2', ['passive'], true],
      ['kms1', ['kms'], true],
    ]);
    expect(Object.keys(inv.secrets)).toEqual(['backup_passphrase']);
  });
});
