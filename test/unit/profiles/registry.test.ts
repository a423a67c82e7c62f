import { beforeAll, describe, expect, it } from 'vitest';
import { getAction, allActions } from '../../../src/actions/registry.ts';
import { fromV1, validateEnvelope } from '../../../src/backup/envelope.ts';
import { BackupFormatError } from '../../../src/backup/header.ts';
import { resolvePlaybookArg } from '../../../src/cli/common.ts';
import { checkRole } from '../../../src/inventory/roles.ts';
import { loadProfiles, getProfile, profileNames } from '../../../src/profiles/registry.ts';
import { scenarioNames } from '../../../src/profiles/389ds/rehearse/scenarios.ts';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The registry's lookups need the profiles' code loaded (the run loader does this for a run).
beforeAll(loadProfiles);

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('profile registry', () => {
  it('knows 389ds, ipa and keytrustee; ipa serves the very 389ds actions', () => {
    expect(profileNames()).toEqual(['389ds', 'ipa', 'keytrustee', 'ciphertrust']);
    const onDs = getAction('replication.disable', '389ds');
    const onIpa = getAction('replication.disable', 'ipa');
    expect(onDs).toBe(onIpa);
    expect(onDs?.profiles).toEqual(['389ds', 'ipa']);
    expect(getAction('replication.disable', 'keytrustee')).toBeUndefined();
    expect(getAction('shell', 'keytrustee')?.name).toBe('shell');
  });

  it('each rehearsal scenario belongs to one profile; 389ds lists exactly the scenarios its code runs', () => {
    expect(getProfile('389ds').rehearsalNames).toEqual(scenarioNames());
    const all = profileNames().flatMap((n) => getProfile(n).rehearsalNames ?? []);
    expect(new Set(all).size).toBe(all.length);
    expect(getProfile('389ds').rehearsals?.names).toEqual(scenarioNames());
  });

  it('validation still sees other profiles\' actions, to say where they work', () => {
    expect(allActions('keytrustee').get('replication.disable')?.profiles).toEqual(['389ds', 'ipa']);
  });

  it('roles come from the profile', () => {
    expect(checkRole('active', 'keytrustee')).toBeUndefined();
    expect(checkRole('active', '389ds')).toMatch(/unknown role "active"/);
    expect(checkRole('ca', 'keytrustee')).toMatch(/known roles of profile keytrustee: active, passive, kms/);
    expect(getProfile('keytrustee').vars.db_port?.default).toBe(11381);
  });

  it('a bare playbook name is looked up in playbooks/<profile>/, then in the folders the profile declares it reuses', () => {
    const root = mkdtempSync(join(tmpdir(), 'lb-pb-'));
    for (const p of ['keytrustee', '389ds', 'ipa']) mkdirSync(join(root, 'playbooks', p), { recursive: true });
    writeFileSync(join(root, 'playbooks', 'keytrustee', 'data-loss.yaml'), 'x');
    writeFileSync(join(root, 'playbooks', '389ds', 'data-loss.yaml'), 'x');
    writeFileSync(join(root, 'playbooks', '389ds', 'rejoin.yaml'), 'x');
    writeFileSync(join(root, 'playbooks', 'ipa', 'data-loss.yaml'), 'x');
    expect(resolvePlaybookArg('data-loss', root, root, 'keytrustee')).toBe(join(root, 'playbooks', 'keytrustee', 'data-loss.yaml'));
    expect(resolvePlaybookArg('data-loss', root, root, '389ds')).toBe(join(root, 'playbooks', '389ds', 'data-loss.yaml'));
    expect(resolvePlaybookArg('data-loss', root, root)).toBe(join(root, 'playbooks', '389ds', 'data-loss.yaml'));
    expect(resolvePlaybookArg('data-loss', root, root, 'ipa')).toBe(join(root, 'playbooks', 'ipa', 'data-loss.yaml'));
    // ipa declares it reuses 389ds's playbooks; keytrustee declares nothing, so 389ds's rejoin is not its.
    expect(resolvePlaybookArg('rejoin', root, root, 'ipa')).toBe(join(root, 'playbooks', '389ds', 'rejoin.yaml'));
    expect(() => resolvePlaybookArg('rejoin', root, root, 'keytrustee')).toThrow(/playbook not found: rejoin \(shipped playbooks: data-loss\)/);
  });

  it('each profile ships its playbooks in playbooks/<name>/ and reuses only profiles that exist', () => {
    for (const name of profileNames()) {
      const p = getProfile(name);
      expect(p.playbooksDir.replace(/\/$/, '')).toBe(join(ROOT, 'playbooks', name));
      if (p.reusesPlaybooksOf) expect(profileNames()).toContain(p.reusesPlaybooksOf);
    }
    expect(getProfile('ipa').reusesPlaybooksOf).toBe('389ds');
  });
});

describe('backup envelope', () => {
  const sha = 'a'.repeat(64);
  const v2 = {
    format: 'lifeboat-backup', formatVersion: 2, profile: 'keytrustee', cluster: 'c', host: 'kts1', hostname: 'kts1.lab.test',
    time: '2026-01-01T00:00:00.000Z', payload: { file: 'kts_bak_x.tar.gpg', size: 3, sha256: sha }, archive: { size: 2, sha256: sha },
    encryption: { kind: 'openpgp', recipientFingerprint: 'AB'.repeat(20) }, toolVersion: 'lifeboat 0.1.0', body: { database: 'keytrustee' },
  };
  it('reads format 2 and lets the profile check its body', () => {
    expect(validateEnvelope(v2, 'h').body).toEqual({ database: 'keytrustee' });
    expect(() => validateEnvelope(v2, 'h', () => ['deposits missing'])).toThrow(/body: deposits missing/);
    expect(() => validateEnvelope({ ...v2, payload: { ...v2.payload, file: '../x' } }, 'h')).toThrow(BackupFormatError);
  });
  it('reads a format-1 389-ds header as an envelope whose body holds the 389-ds fields', () => {
    const v1 = {
      format: 'lifeboat-backup', formatVersion: 1, type: 'data', time: '2026-01-01T00:00:00.000Z', cluster: 'c', profile: '389ds', host: 'ds1',
      hostname: 'ds1.lab.test', dsVersion: '2.3.1', instance: 'lab', suffixes: ['dc=x'], replicaIds: { 'dc=x': 1 }, roles: [], clusterRoles: [],
      method: 'online', backends: { 'dc=x': 'userroot' }, encrypted: false, payload: { file: 'payload.tar', size: 1, sha256: sha }, archive: { size: 1, sha256: sha },
    };
    const env = validateEnvelope(v1, 'h');
    expect(env.encryption).toEqual({ kind: 'none' });
    expect(env.body.instance).toBe('lab');
    expect(env.body.suffixes).toEqual(['dc=x']);
    expect(fromV1(v1 as never).host).toBe('ds1');
  });
});
