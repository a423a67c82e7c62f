import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLdif } from '../../../src/profiles/389ds/actions/ldap.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { compareWithInventory } from '../../../src/profiles/ipa/actions/servers-discover.ts';
import { parseMasters, parseSegments, renewalMaster } from '../../../src/profiles/ipa/idm-records.ts';

/*
 * IdM's records as ldapsearch prints them: cn=<fqdn>,cn=masters,cn=ipa,cn=etc,<basedn> per server,
 * one entry per service below it with ipaConfigString enabledService / hiddenService and
 * caRenewalMaster on the renewal master's cn=CA (what ipa_backup.py check_roles reads, lines
 * 396-413, and `ipa server-role-find` shows); segments under cn=domain|ca,cn=topology.
 */
const B = 'cn=masters,cn=ipa,cn=etc,dc=example,dc=com';
const svc = (s: string, host: string, ...config: string[]) => `dn: cn=${s},cn=${host},${B}\ncn: ${s}\n${config.map((c) => `ipaConfigString: ${c}`).join('\n')}\n`;
const MASTERS = [
  `dn: ${B}\ncn: masters\n`,
  `dn: cn=ipa1.dc1.example.com,${B}\ncn: ipa1.dc1.example.com\n`,
  svc('CA', 'ipa1.dc1.example.com', 'enabledService', 'startOrder: 50', 'caRenewalMaster'),
  svc('KRA', 'ipa1.dc1.example.com', 'enabledService'),
  svc('DNS', 'ipa1.dc1.example.com', 'enabledService'),
  svc('KDC', 'ipa1.dc1.example.com', 'enabledService'),
  `dn: cn=ipa2.dc1.example.com,${B}\ncn: ipa2.dc1.example.com\n`,
  svc('CA', 'ipa2.dc1.example.com', 'enabledService'),
  svc('DNS', 'ipa2.dc1.example.com', 'enabledService'),
  `dn: cn=ipa3.dc2.example.com,${B}\ncn: ipa3.dc2.example.com\n`,
  svc('CA', 'ipa3.dc2.example.com', 'enabledService'),
  svc('KRA', 'ipa3.dc2.example.com', 'enabledService'),
  svc('DNSKeySync', 'ipa3.dc2.example.com', 'enabledService'),
  `dn: cn=ipa4.dc2.example.com,${B}\ncn: ipa4.dc2.example.com\n`,
  svc('CA', 'ipa4.dc2.example.com', 'hiddenService'),
  svc('KRA', 'ipa4.dc2.example.com', 'hiddenService'),
  svc('DNS', 'ipa4.dc2.example.com', 'hiddenService'),
  svc('KRA', 'ipa2.dc1.example.com'), // configured, not enabled: not a role
].join('\n');

describe("IdM's own records", () => {
  const servers = parseMasters(parseLdif(MASTERS), 'dc=example,dc=com');

  it('servers, their roles (enabled or hidden services), the renewal master', () => {
    expect(servers.map((s) => [s.fqdn, s.roles])).toEqual([
      ['ipa1.dc1.example.com', ['ca', 'dns', 'kra', 'renewal']],
      ['ipa2.dc1.example.com', ['ca', 'dns']],
      ['ipa3.dc2.example.com', ['ca', 'dns', 'kra']],
      ['ipa4.dc2.example.com', ['ca', 'dns', 'hidden', 'kra']],
    ]);
    expect(renewalMaster(servers)).toBe('ipa1.dc1.example.com');
  });

  it('agree with inventories/example-ipa.yaml; a difference is named', async () => {
    const inv = await loadInventory(path.join(fileURLToPath(new URL('../../../', import.meta.url)), 'inventories/example-ipa.yaml'));
    expect(compareWithInventory(inv, servers)).toEqual([]);
    const moved = servers.map((s) => ({ ...s, roles: s.fqdn.startsWith('ipa1') ? s.roles.filter((r) => r !== 'renewal') : s.fqdn.startsWith('ipa2') ? [...s.roles, 'renewal'] : s.roles }));
    expect(compareWithInventory(inv, moved)).toEqual([
      'ipa1 (ipa1.dc1.example.com): IdM says no renewal, the inventory says renewal',
      'ipa2 (ipa2.dc1.example.com): IdM says renewal, the inventory says no renewal',
    ]);
    expect(compareWithInventory(inv, [...servers.slice(0, 3), { fqdn: 'ipa9.example.com', roles: [], services: [] }])).toEqual([
      'IdM server ipa9.example.com is not in the inventory (roles none)',
      'ipa4 (ipa4.dc2.example.com) is not an IdM server according to IdM',
    ]);
  });

  it('topology segments per suffix', () => {
    const segs = parseSegments(
      parseLdif(
        [
          'dn: cn=ipa1.dc1.example.com-to-ipa2.dc1.example.com,cn=domain,cn=topology,cn=ipa,cn=etc,dc=example,dc=com\nipaReplTopoSegmentLeftNode: ipa1.dc1.example.com\nipaReplTopoSegmentRightNode: ipa2.dc1.example.com\nipaReplTopoSegmentDirection: both\n',
          'dn: cn=ipa1-to-ipa3,cn=ca,cn=topology,cn=ipa,cn=etc,dc=example,dc=com\nipaReplTopoSegmentLeftNode: ipa1.dc1.example.com\nipaReplTopoSegmentRightNode: ipa3.dc2.example.com\n',
        ].join('\n'),
      ),
    );
    expect(segs).toEqual([
      { suffix: 'domain', left: 'ipa1.dc1.example.com', right: 'ipa2.dc1.example.com', direction: 'both' },
      { suffix: 'ca', left: 'ipa1.dc1.example.com', right: 'ipa3.dc2.example.com', direction: 'both' },
    ]);
  });
});
