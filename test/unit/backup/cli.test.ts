import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackupDir, writeHeader } from '../../../src/backup/index.ts';
import { backupCli } from './backup-cli.ts';
import { sampleHeader } from './sample-header.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'lb-cli-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[], env: Record<string, string> = {}) => backupCli(argv, env);

describe('lifeboat backup / keys', () => {
  it('keys generate takes the passphrase from the environment, never argv', async () => {
    const r = await cli(['keys', 'generate', '--out', path.join(dir, 'keys'), '--name', 'CLI Key'], { LB_TEST_PASS: 'cli-test-pass' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('set the key passphrase in the environment variable LIFEBOAT_BACKUP_PASSPHRASE');
    const ok = await cli(['keys', 'generate', '--out', path.join(dir, 'keys'), '--name', 'CLI Key', '--passphrase-env', 'LB_TEST_PASS'], { LB_TEST_PASS: 'cli-test-pass' });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^fingerprint [0-9A-F]{40}\npublic key {2}.*cli-key\.pub\.asc/);
  });

  it('backup list prints one line per backup, incomplete ones flagged', async () => {
    const inv = path.join(dir, 'inv.yaml');
    writeFileSync(inv, 'cluster: lab\nprofile: 389ds\nvars: { backup_dir: ./bk }\nhosts:\n  ds1: { address: 10.0.0.1, roles: [ca] }\n');
    const root = path.join(dir, 'bk');
    const a = await createBackupDir(root, 'lab', 'data', new Date(Date.UTC(2026, 10, 22, 4, 0, 0)));
    await writeHeader(a.dir, sampleHeader({ host: 'ds1' }));
    await createBackupDir(root, 'lab', 'full', new Date(Date.UTC(2026, 10, 22, 5, 0, 0)));
    const r = await cli(['backup', 'list', '-i', inv]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'lifeboat-data-2026-11-22-04-00-00  ds1  db2bak  dc=lab,dc=test  0.0 KiB  NOT encrypted  never verified  not restore-tested',
      expect.stringMatching(/^lifeboat-full-2026-11-22-05-00-00 {2}INCOMPLETE: .*cannot read the backup header/),
      '',
    ]);
  });

  it('backup decrypt refuses to overwrite an existing --out without --force, before asking for anything', async () => {
    const out = path.join(dir, 'existing.tar');
    writeFileSync(out, 'precious');
    const r = await cli(['backup', 'decrypt', path.join(dir, 'nope.gpg'), '--key', path.join(dir, 'nope.asc'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out ${out} exists; nothing was written (give --force to replace it)`);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    // With --force it goes on (and fails here on the missing payload, still writing nothing).
    const f = await cli(['backup', 'decrypt', path.join(dir, 'nope.gpg'), '--key', path.join(dir, 'nope.asc'), '--out', out, '--force']);
    expect(f.code).toBe(2);
    expect(f.err).toContain('no such backup payload');
    expect(readFileSync(out, 'utf8')).toBe('precious');
  });
});
