import { describe, expect, it } from 'vitest';
import { parseLdif } from '../../../src/profiles/389ds/actions/ldap.ts';
import { agreementFromEntry, inventoryHostFor, isHealthyUpdateStatus, normalizeDn, sameDn } from '../../../src/profiles/389ds/actions/replication/agreements.ts';
import { enabledLdif } from '../../../src/profiles/389ds/actions/replication/enabled-ldif.ts';
import { addRecord, ldifLine, replaceRecord } from '../../../src/profiles/389ds/actions/replication/ldif-build.ts';
import { pokeLdif } from '../../../src/profiles/389ds/actions/replication/replication-poke.ts';
import { compareTopology, topologyFromAgreements } from '../../../src/profiles/389ds/actions/replication/topology-discover.ts';
import { parseRuv } from '../../../src/profiles/389ds/actions/verify/ruv.ts';
import { compareDigests, digestEntries } from '../../../src/profiles/389ds/actions/verify/entry-digest.ts';
import { agreementLdif, labInventory } from './fakes.ts';

describe('LDIF building', () => {
  it('writes one modify record per agreement, all in one text', () => {
    const ldif = enabledLdif(['cn=a,cn=config', 'cn=b,cn=config'], false);
    expect(ldif).toBe(
      'dn: cn=a,cn=config\nchangetype: modify\nreplace: nsds5ReplicaEnabled\nnsds5ReplicaEnabled: off\n-\n\n' +
        'dn: cn=b,cn=config\nchangetype: modify\nreplace: nsds5ReplicaEnabled\nnsds5ReplicaEnabled: off\n-\n',
    );
    expect(parseLdif(ldif).map((e) => e.dn)).toEqual(['cn=a,cn=config', 'cn=b,cn=config']);
  });

  it('base64-encodes values that are not safe strings', () => {
    expect(ldifLine('dn', ' cn=x')).toBe(`dn:: ${Buffer.from(' cn=x').toString('base64')}`);
    expect(ldifLine('cn', 'Jürgen')).toBe(`cn:: ${Buffer.from('Jürgen').toString('base64')}`);
    expect(ldifLine('cn', 'plain')).toBe('cn: plain');
    expect(replaceRecord('cn=x', 'description', ['a:b'])).toContain('description: a:b');
  });

  it('builds add records and poke as off-then-on pairs', () => {
    expect(addRecord('cn=c,dc=t', { objectClass: ['top', 'extensibleObject'] })).toBe('dn: cn=c,dc=t\nchangetype: add\nobjectClass: top\nobjectClass: extensibleObject\n');
    const poke = parseLdif(pokeLdif(['cn=a']));
    expect(poke).toHaveLength(2);
    expect(pokeLdif(['cn=a']).indexOf('nsds5ReplicaEnabled: off')).toBeLessThan(pokeLdif(['cn=a']).indexOf('nsds5ReplicaEnabled: on'));
  });
});

describe('agreements', () => {
  const inv = labInventory(4);

  it('maps nsDS5ReplicaHost back to inventory hosts by address, name or FQDN', () => {
    expect(inventoryHostFor(inv, '10.213.7.3')?.name).toBe('ds3');
    expect(inventoryHostFor(inv, 'DS2.lab.test')?.name).toBe('ds2');
    expect(inventoryHostFor(inv, 'ds4')?.name).toBe('ds4');
    expect(inventoryHostFor(inv, 'ds44.lab.test')).toBeUndefined();
    expect(inventoryHostFor(inv, 'elsewhere.example')).toBeUndefined();
  });

  it('reads enabled state (absent means on), peer and statuses', () => {
    const entries = parseLdif(agreementLdif('dc=lab,dc=test', [{ to: 2 }, { to: 3, enabled: false }, { to: 4, enabled: true, extra: { nsds5BeginReplicaRefresh: 'start' } }]));
    const a = entries.map((e) => agreementFromEntry(inv, 'ds1', e));
    expect(a.map((x) => [x.peer, x.enabled, x.refreshPending])).toEqual([
      ['ds2', true, false],
      ['ds3', false, false],
      ['ds4', true, true],
    ]);
    expect(a[0]?.suffix).toBe('dc=lab,dc=test');
  });

  it('compares DNs without case or spaces after commas', () => {
    expect(normalizeDn('DC=Lab, dc=TEST')).toBe('dc=lab,dc=test');
    expect(sameDn('o=ipaca', 'O=IPACA')).toBe(true);
    expect(sameDn('dc=lab,dc=test', 'dc=lab2,dc=test')).toBe(false);
  });

  it('counts only "Error (0) ... succeeded" as a healthy update', () => {
    expect(isHealthyUpdateStatus('Error (0) Replica acquired successfully: Incremental update succeeded')).toBe(true);
    expect(isHealthyUpdateStatus('Error (0) No replication sessions started since server startup')).toBe(false);
    expect(isHealthyUpdateStatus('Error (-1) Problem connecting to replica - LDAP error: Can\'t contact LDAP server')).toBe(false);
    expect(isHealthyUpdateStatus(undefined)).toBe(false);
  });

  it('derives the graph and names differences from the inventory', () => {
    const entries = parseLdif(agreementLdif('dc=lab,dc=test', [{ to: 2 }, { to: 3 }]));
    const agreements = entries.map((e) => agreementFromEntry(inv, 'ds1', e));
    const graph = topologyFromAgreements(agreements, ['ds1', 'ds2']);
    expect(graph).toEqual({ ds1: ['ds2', 'ds3'], ds2: [] });
    expect(compareTopology({ ds1: ['ds2', 'ds4'], ds2: [] }, graph)).toEqual([
      'ds1: no agreement to ds4 (inventory lists it)',
      'ds1: agreement to ds3 not in the inventory topology',
    ]);
    expect(compareTopology(undefined, graph)).toEqual([]);
  });
});

describe('RUV and entry digests', () => {
  it('parses the replica generation and max CSNs', () => {
    const ruv = parseRuv([
      '{replicageneration} 6740a1b2000000010000',
      '{replica 1 ldap://ds1.lab.test:389} 6740a1b3000000010000 6740a1c0000100010000',
      '{replica 2 ldap://ds2.lab.test:389}',
    ]);
    expect(ruv.generation).toBe('6740a1b2000000010000');
    expect(ruv.maxCsn['1']).toBe('6740a1c0000100010000');
    expect(ruv.maxCsn['2']).toBe('');
  });

  it('finds missing, extra and different entries', () => {
    const ref = digestEntries(parseLdif('dn: cn=a,dc=t\ncn: a\nsn: 1\n\ndn: cn=b,dc=t\ncn: b\n'));
    const other = digestEntries(parseLdif('dn: CN=a, dc=t\nsn: 2\ncn: a\n\ndn: cn=c,dc=t\ncn: c\n'));
    expect(compareDigests(ref, other, 'ds2')).toEqual({ host: 'ds2', missing: ['cn=b,dc=t'], extra: ['cn=c,dc=t'], different: ['cn=a,dc=t'] });
    const same = digestEntries(parseLdif('dn: cn=a,dc=t\nsn: 1\ncn: a\n\ndn: cn=b,dc=t\ncn: b\n'));
    expect(compareDigests(ref, same, 'ds3')).toEqual({ host: 'ds3', missing: [], extra: [], different: [] });
  });
});
