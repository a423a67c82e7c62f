import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BDB_CONFIG, cacheChanges, cacheEditCommand, describeCaches, fixedCaches, readPeerCaches } from '../../../src/profiles/389ds/actions/provision/cache-settings.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

const USERROOT = 'cn=userroot,cn=ldbm database,cn=plugins,cn=config';
// The shape dscreate leaves (389-ds 2.3, trimmed): the same attribute names in several entries.
const DSE = `dn: cn=config,cn=ldbm database,cn=plugins,cn=config
objectClass: top
nsslapd-cachememsize: 16777216
nsslapd-dncachememsize: 16777216

dn: cn=userRoot,cn=ldbm database,cn=plugins,cn=config
objectClass: nsBackendInstance
nsslapd-suffix: dc=lab,dc=test
nsslapd-cachememsize: 512000
nsslapd-dncachememsize: 16777216

dn: cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config
nsslapd-dbcachesize: 1579781888
nsslapd-import-cache-autosize: -1
nsslapd-cache-autosize: 25
nsslapd-cache-autosize-split: 25

`;

const dir = mkdtempSync(join(tmpdir(), 'lb-caches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command as the host would run it, on a local copy of dse.ldif (GNU sed, like the hosts'). */
function applyEdit(command: string): string {
  const file = join(dir, 'dse.ldif');
  writeFileSync(file, DSE);
  execFileSync('sh', ['-c', command.replace("'/etc/dirsrv/slapd-lab/dse.ldif'", `'${file}'`)]);
  return readFileSync(file, 'utf8');
}

const peerLdif = (bdb: string, backend: string) =>
  `dn: ${USERROOT}\nnsslapd-suffix: dc=lab,dc=test\n${backend}\n\ndn: ${BDB_CONFIG}\n${bdb}\n`;

describe("a new instance's caches (instance.create)", () => {
  it('rewrites only the values of the entries named, whatever the case of their DN', () => {
    const out = applyEdit(cacheEditCommand('lab', cacheChanges(fixedCaches(32, 16), USERROOT)));
    const entry = (dn: string) => out.split('\n\n').find((b) => b.toLowerCase().startsWith(`dn: ${dn.toLowerCase()}`))!;
    expect(entry(BDB_CONFIG)).toContain('nsslapd-cache-autosize: 0\n');
    expect(entry(BDB_CONFIG)).toContain('nsslapd-dbcachesize: 33554432');
    expect(entry(BDB_CONFIG)).toContain('nsslapd-cache-autosize-split: 25'); // not "autosize: 0-split"
    expect(entry(BDB_CONFIG)).toContain('nsslapd-import-cache-autosize: -1');
    expect(entry(USERROOT)).toContain('nsslapd-cachememsize: 16777216');
    // The same attribute in the ldbm config entry is another setting: untouched.
    expect(entry('cn=config,cn=ldbm database,cn=plugins,cn=config')).toBe(DSE.split('\n\n')[0]);
    expect(out.split('\n').length).toBe(DSE.split('\n').length);
  });

  it("copies a peer's fixed sizes, dn cache included", async () => {
    const peer = scriptedHost('ds1', () => ({ stdout: peerLdif('nsslapd-cache-autosize: 0\nnsslapd-dbcachesize: 67108864', 'nsslapd-cachememsize: 50331648\nnsslapd-dncachememsize: 8388608') }));
    const got = await readPeerCaches(peer.remote, 'lab', 'dc=lab, dc=test');
    expect(got).toEqual({ autosize: '0', autosizeSplit: undefined, dbCache: '67108864', entryCache: '50331648', dnCache: '8388608', source: 'ds1' });
    expect(describeCaches(got as never)).toBe('db cache 64 MiB, entry cache 48 MiB, dn cache 8 MiB, from ds1');
    const out = applyEdit(cacheEditCommand('lab', cacheChanges(got as never, USERROOT)));
    expect(out).toContain('nsslapd-dncachememsize: 8388608');
    expect(out).toContain('nsslapd-dbcachesize: 67108864');
  });

  it("keeps a peer's autosizing (percentages only: the server sizes the rest from its own memory)", async () => {
    const peer = scriptedHost('ds2', () => ({ stdout: peerLdif('nsslapd-cache-autosize: 10\nnsslapd-cache-autosize-split: 40\nnsslapd-dbcachesize: 99999', 'nsslapd-cachememsize: 1234') }));
    const got = await readPeerCaches(peer.remote, 'lab', 'dc=lab,dc=test');
    expect(got).toMatchObject({ autosize: '10', autosizeSplit: '40', dbCache: undefined, entryCache: undefined });
    const out = applyEdit(cacheEditCommand('lab', cacheChanges(got as never, USERROOT)));
    expect(out).toContain('nsslapd-cache-autosize: 10\nnsslapd-cache-autosize-split: 40');
    expect(out).toContain('nsslapd-dbcachesize: 1579781888');
  });

  it('says why a peer cannot be copied (another database kind, no backend for the suffix)', async () => {
    const lmdb = scriptedHost('ds3', () => ({ stdout: `dn: ${USERROOT}\nnsslapd-suffix: dc=lab,dc=test\nnsslapd-cachememsize: 1\n` }));
    expect(await readPeerCaches(lmdb.remote, 'lab', 'dc=lab,dc=test')).toBe(`ds3 has no ${BDB_CONFIG} entry (another database kind)`);
    const other = scriptedHost('ds4', () => ({ stdout: `dn: ${BDB_CONFIG}\nnsslapd-cache-autosize: 0\n` }));
    expect(await readPeerCaches(other.remote, 'lab', 'dc=lab,dc=test')).toBe('ds4 has no backend for dc=lab,dc=test');
  });
});
