import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { archiveName, IpaHeaderError, ipaHeaderProblems, parseIpaHeader, rolesOfServices } from '../../../src/profiles/ipa/ipa-header.ts';

/*
 * Fixtures in test/fixtures/ipa/backup/ are laid out exactly as upstream's ipa-backup writes them
 * (test/fixtures/ipa/make-fixtures.py builds them with the same calls), freeipa/freeipa at b16f3b8:
 * - ipaserver/install/ipa_backup.py create_header (lines 698-733): ConfigParser, section [ipa],
 *   type FULL|DATA, time (%Y-%m-%dT%H:%M:%S, GMT), host, ipa_version, version "1", services;
 * - finalize_backup (lines 735-796): directory ipa-{full,data}-%Y-%m-%d-%H-%M-%S under
 *   /var/lib/ipa/backup, archive ipa-{full,data}.tar made with `tar -czf … .` (gzipped although
 *   named .tar), ipa-…tar.gpg when --gpg (encrypt_file, lines 78-97), the header beside it in clear;
 * - db2ldif (lines 494-568): <instance>-<backend>.ldif; db2bak (lines 570-631): the bak/<instance>
 *   directory; file_backup/compress_file_backup (lines 633-696): files.tar (gzipped) for FULL.
 * ipa-restore reads them back the same way: read_header (ipa_restore.py lines 820-835),
 * extract_backup (lines 837-876), the per-backend LDIF names (lines 405-415).
 * Seed 002 §5.2 shows the same directory listing ("header  ipa-full.tar").
 */
const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/ipa/backup/${p}`, import.meta.url));
const read = (p: string) => readFileSync(fixture(p), 'utf8');

describe('ipa-backup header', () => {
  it('parses a DATA backup header as ipa-backup writes it', () => {
    const h = parseIpaHeader(read('ipa-data-2026-11-30-12-14-23/header'));
    expect(h).toEqual({
      type: 'DATA',
      time: '2026-11-30T12:14:23',
      host: 'ipa1.dc1.example.com',
      ipaVersion: '4.9.8',
      formatVersion: '1',
      services: ['CA', 'DNS', 'DNSKeySync', 'DNSSEC', 'HTTP', 'KDC', 'KEYS', 'KPASSWD', 'KRA', 'MEMCACHE', 'OTPD'],
    });
    expect(rolesOfServices(h.services)).toEqual(['ca', 'kra', 'dns']);
  });

  it('names the archive ipa-restore looks for, and the fixtures hold exactly that', () => {
    for (const dir of readdirSync(fileURLToPath(new URL('../../fixtures/ipa/backup/', import.meta.url)))) {
      const h = parseIpaHeader(read(`${dir}/header`));
      const files = readdirSync(fixture(dir)).sort();
      const encrypted = files.some((f) => f.endsWith('.gpg'));
      expect(files).toEqual(['header', archiveName(h, encrypted)].sort());
      expect(dir).toBe(`ipa-${h.type.toLowerCase()}-${h.time.replace('T', '-').replace(/:/g, '-')}`);
    }
  });

  it('the archives are gzipped tars of ".", with the LDIF per backend, the db2bak directory, and files.tar for FULL', () => {
    const list = (p: string) => execFileSync('tar', ['-tzf', fixture(p)], { encoding: 'utf8' }).trim().split('\n').sort();
    const data = list('ipa-data-2026-11-30-12-14-23/ipa-data.tar');
    expect(data).toContain('./EXAMPLE-COM-userRoot.ldif');
    expect(data).toContain('./EXAMPLE-COM-ipaca.ldif');
    expect(data).toContain('./EXAMPLE-COM/');
    expect(data).not.toContain('./files.tar');
    expect(list('ipa-full-2026-11-30-12-11-46/ipa-full.tar')).toContain('./files.tar');
    // The --gpg variant: an OpenPGP message, not a tar (gpg --encrypt output starts with a packet tag).
    const gpg = readFileSync(fixture('ipa-data-2026-11-30-12-20-05/ipa-data.tar.gpg'));
    expect(gpg[0]! & 0x80).toBe(0x80);
  });

  it('reads ConfigParser variants (colon, comments, spacing, key case) and rejects what is not a header', () => {
    const h = parseIpaHeader('# made by hand\n[ipa]\nTYPE: FULL\ntime=2021-01-29T12:11:46\n  host =  ipa2.example.com \nipa_version = 4.8.4\nversion = 1\nservices =\n');
    expect(h).toMatchObject({ type: 'FULL', host: 'ipa2.example.com', services: [] });
    expect(() => parseIpaHeader('[other]\ntype = DATA\n')).toThrow(IpaHeaderError);
    expect(() => parseIpaHeader('[ipa]\ntype = DATA\n')).toThrow(/missing "time".*missing "host".*missing "ipa_version".*missing "version".*missing "services"/);
    expect(() => parseIpaHeader('[ipa]\ntype = PARTIAL\ntime = yesterday\nhost = a\nipa_version = 4\nversion = 1\nservices = CA\n')).toThrow(/type must be FULL or DATA.*time must be/);
  });
});

describe('the checks ipa-restore makes, before anything changes', () => {
  const h = parseIpaHeader(read('ipa-data-2026-11-30-12-14-23/header'));
  const target = { fqdn: 'ipa1.dc1.example.com', ipaVersion: '4.9.8', clusterRoles: ['ca', 'dns', 'kra'] };

  it('the same host, version and roles: nothing to say', () => {
    expect(ipaHeaderProblems(h, target)).toEqual({ refuse: [], forceable: [] });
    expect(ipaHeaderProblems(h, { ...target, fqdn: 'IPA1.dc1.example.com' })).toEqual({ refuse: [], forceable: [] });
  });

  it('another host: refused (ipa_restore.py lines 351-354, whatever the type)', () => {
    const p = ipaHeaderProblems(h, { ...target, fqdn: 'ipa2.dc1.example.com' });
    expect(p.refuse).toEqual(['the backup was taken on ipa1.dc1.example.com, this host is ipa2.dc1.example.com: ipa-restore restores only on the host that made the backup']);
  });

  it('another IPA version: only with force (ipa-restore asks "Continue to restore?", lines 356-364)', () => {
    expect(ipaHeaderProblems(h, { ...target, ipaVersion: '4.10.1' }).forceable).toEqual(['the backup is IPA 4.9.8, the host runs 4.10.1']);
  });

  it('a backup host lacking a role used in the cluster: only with force (ipa_backup.py check_roles)', () => {
    const noKra = { ...h, services: h.services.filter((s) => s !== 'KRA') };
    expect(ipaHeaderProblems(noKra, target).forceable).toEqual([
      'the backup host ipa1.dc1.example.com lacked role(s) kra used in the cluster (services: CA,DNS,DNSKeySync,DNSSEC,HTTP,KDC,KEYS,KPASSWD,MEMCACHE,OTPD): their data is not in it',
    ]);
    // Placement roles (hidden, renewal) and x-roles hold no data of their own.
    expect(ipaHeaderProblems(h, { ...target, clusterRoles: ['ca', 'x-site'] }).forceable).toEqual([]);
  });

  it('an unknown header format version: refused', () => {
    expect(ipaHeaderProblems({ ...h, formatVersion: '2' }, target).refuse).toEqual(['header format version 2 is not 1']);
  });
});
