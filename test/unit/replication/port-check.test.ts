import { describe, expect, it } from 'vitest';
import { portMismatches } from '../../../src/profiles/389ds/actions/replication/port-check.ts';
import type { Agreement } from '../../../src/profiles/389ds/actions/replication/agreements.ts';
import { host, inventory } from '../backup/fake-context.ts';

const agreement = (from: string, to: string, port: number, suffix = 'dc=corp,dc=internal'): Agreement => ({
  host: from, dn: `cn=${from}-to-${to},x`, name: `${from}-to-${to}`, suffix, peerAddress: `${to}.lab.test`, peerPort: port, peer: to, enabled: true, refreshPending: false,
});

describe('a stale ldap_port in the inventory', () => {
  it('is named once per host, with the agreement that shows the real port and what to write', () => {
    const inv = inventory([host('ds1', []), host('ds2', [], { ldap_port: 1389 }), host('ds3', [])]);
    const lines = portMismatches(inv, [agreement('ds1', 'ds2', 389), agreement('ds3', 'ds2', 389), agreement('ds2', 'ds1', 389), agreement('ds1', 'ds9', 1)]);
    expect(lines).toEqual(['ds2: the inventory says ldap_port 1389, but agreement ds1-to-ds2 on ds1 (dc=corp,dc=internal) sends to port 389: set ldap_port: 389 for ds2 in the inventory']);
  });

  it('an inventory-wide ldap_port applies to every host; agreements on that port pass', () => {
    const inv = inventory([host('ds1', []), host('ds2', [])], { ldap_port: 1389 });
    expect(portMismatches(inv, [agreement('ds1', 'ds2', 1389), agreement('ds2', 'ds1', 1389)])).toEqual([]);
    expect(portMismatches(inv, [agreement('ds1', 'ds2', 389)])).toHaveLength(1);
  });
});
