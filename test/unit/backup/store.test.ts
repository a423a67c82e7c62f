import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backupDirName,
  createBackupDir,
  listBackups,
  parseBackupDirName,
  readHeader,
  resolveBackupRoot,
  rollBackups,
  validateHeader,
  writeHeader,
} from '../../../src/backup/index.ts';
import { sampleHeader } from './sample-header.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lb-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('naming', () => {
  it('uses UTC and round-trips', () => {
    const t = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(backupDirName('full', t)).toBe('lifeboat-full-2026-01-02-03-04-05');
    expect(parseBackupDirName('lifeboat-full-2026-01-02-03-04-05')).toEqual({ type: 'full', time: t });
  });
  it('rejects other names and impossible dates', () => {
    expect(parseBackupDirName('ipa-full-2026-01-02-03-04-05')).toBeUndefined();
    expect(parseBackupDirName('lifeboat-full-2026-02-30-03-04-05')).toBeUndefined();
    expect(parseBackupDirName('lifeboat-weekly-2026-01-02-03-04-05')).toBeUndefined();
  });
});

describe('header', () => {
  it('writes and reads back a valid header', async () => {
    const dir = path.join(root, 'b');
    mkdirSync(dir);
    await writeHeader(dir, sampleHeader());
    expect(await readHeader(dir)).toEqual(sampleHeader());
  });
  it('lists every problem with its field', () => {
    const bad = { ...sampleHeader(), formatVersion: 9, type: 'weekly', suffixes: [], encrypted: true, recipientFingerprint: undefined };
    const msg = (() => {
      try {
        validateHeader(bad, 'x/header.json');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toMatch(/^x\/header\.json: invalid backup header/);
    expect(msg).toContain('formatVersion 9 is not supported');
    expect(msg).toContain('type must be full or data');
    expect(msg).toContain('suffixes must be a non-empty list');
    expect(msg).toContain('recipientFingerprint must be the recipient key fingerprint');
    expect(msg).toContain('payload.file must be payload.tar.gpg for an encrypted backup');
  });
  it('says when a directory has no header', async () => {
    await expect(readHeader(root)).rejects.toThrow(/cannot read the backup header \(no such file\)/);
  });
});

describe('store', () => {
  async function make(type: 'full' | 'data', t: number, withHeader = true): Promise<string> {
    const { dir } = await createBackupDir(root, 'lab', type, new Date(Date.UTC(2026, 10, 22, 4, 0, t)));
    if (withHeader) await writeHeader(dir, sampleHeader({ type }));
    return path.basename(dir);
  }

  it('lists backups oldest first, with invalid ones flagged, other names ignored', async () => {
    await make('data', 9);
    await make('full', 1);
    await make('data', 5, false);
    mkdirSync(path.join(root, 'lab', 'notes'));
    const list = await listBackups(root, 'lab');
    expect(list.map((b) => [b.name, !!b.header])).toEqual([
      ['lifeboat-full-2026-11-22-04-00-01', true],
      ['lifeboat-data-2026-11-22-04-00-05', false],
      ['lifeboat-data-2026-11-22-04-00-09', true],
    ]);
    expect(list[1]?.problem).toMatch(/cannot read the backup header/);
    expect(await listBackups(root, 'other')).toEqual([]);
  });

  it('never reuses a directory created in the same second', async () => {
    const a = await make('data', 3);
    const b = await make('data', 3);
    expect(a).toBe('lifeboat-data-2026-11-22-04-00-03');
    expect(b).toBe('lifeboat-data-2026-11-22-04-00-04');
  });

  it('roll keeps the newest n complete backups of the same type only', async () => {
    for (const t of [1, 2, 3, 4]) await make('data', t);
    await make('full', 5);
    await make('data', 6, false); // incomplete: never counted, never deleted
    const deleted = await rollBackups(root, 'lab', 'data', 2);
    expect(deleted.map((d) => path.basename(d))).toEqual(['lifeboat-data-2026-11-22-04-00-01', 'lifeboat-data-2026-11-22-04-00-02']);
    expect(readdirSync(path.join(root, 'lab')).sort()).toEqual([
      'lifeboat-data-2026-11-22-04-00-03',
      'lifeboat-data-2026-11-22-04-00-04',
      'lifeboat-data-2026-11-22-04-00-06',
      'lifeboat-full-2026-11-22-04-00-05',
    ]);
    expect(await rollBackups(root, 'lab', 'data', 1)).toHaveLength(1);
    expect(readdirSync(path.join(root, 'lab'))).toContain('lifeboat-data-2026-11-22-04-00-04');
    await expect(rollBackups(root, 'lab', 'data', 0)).rejects.toThrow(/roll must be a whole number >= 1/);
  });

  it('resolves the backup root from the inventory', () => {
    expect(resolveBackupRoot({ file: '/etc/lb/inv.yaml', vars: { backup_dir: 'bk' } })).toBe('/etc/lb/bk');
    expect(resolveBackupRoot({ file: '/etc/lb/inv.yaml', vars: {} }, '/srv/b')).toBe('/srv/b');
    expect(resolveBackupRoot({ file: '/etc/lb/inv.yaml', vars: {} })).toBe(path.resolve('backups'));
  });
});
