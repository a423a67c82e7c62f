import type { BackupHeader } from '../../../src/backup/index.ts';

/** A valid header; tests override the fields they are about. */
export function sampleHeader(over: Partial<BackupHeader> = {}): BackupHeader {
  return {
    format: 'lifeboat-backup',
    formatVersion: 1,
    type: 'data',
    time: '2026-11-22T04:05:06.000Z',
    cluster: 'lab',
    profile: '389ds',
    host: 'ds2',
    hostname: 'ds2.lab.test',
    dsVersion: '2.3.1',
    instance: 'lab',
    suffixes: ['dc=lab,dc=test'],
    replicaIds: { 'dc=lab,dc=test': 2 },
    backends: { 'dc=lab,dc=test': 'userroot' },
    roles: ['hidden', 'ca'],
    clusterRoles: ['ca'],
    method: 'db2bak',
    encrypted: false,
    payload: { file: 'payload.tar', size: 10, sha256: 'a'.repeat(64) },
    archive: { size: 10, sha256: 'a'.repeat(64) },
    ...over,
  };
}
