import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackupDir, writeHeader } from '../../../src/backup/index.ts';
import { latestGoodBackup } from '../../../src/backup/latest-good.ts';
import { markRestoreTestedQuietly, readRestoreTests, restoreTestsOf } from '../../../src/backup/restore-tests.ts';
import { readJournal } from '../../../src/engine/journal.ts';
import { backupCli } from './backup-cli.ts';
import { sampleHeader } from './sample-header.ts';

const FIXTURES = new URL('../report/html/', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'lb-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[]) => backupCli(argv);

/** A run directory replaying the recorded data-loss run, restoring `backup` instead of the recorded path. */
function runDirRestoring(backup: string, status = 'done'): string {
  const run = mkdtempSync(path.join(dir, 'run-'));
  const record = JSON.parse(readFileSync(path.join(FIXTURES, 'data-loss.run.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...record, status }));
  const journal = readFileSync(path.join(FIXTURES, 'data-loss.journal.jsonl'), 'utf8').split('/var/tmp/lab/backups/w10d/lifeboat-data-2026-11-30-20-45-26').join(backup);
  writeFileSync(path.join(run, 'journal.jsonl'), journal);
  return run;
}

describe('the backup catalog', () => {
  it('a finished, verified run marks the backup it restored; a failed run marks nothing', async () => {
    const run = runDirRestoring('/b/one');
    const marks = restoreTestsOf('r1', 'done', '2026-11-30T20:46:16.640Z', await readJournal(run));
    expect(marks).toEqual([{ backup: '/b/one', test: { runId: 'r1', time: '2026-11-30T20:46:16.640Z', host: 'ds1', verifiedBy: ['verify.converged'] } }]);
    expect(restoreTestsOf('r1', 'failed', 'x', await readJournal(run))).toEqual([]);
    const unverified = (await readJournal(run)).filter((l) => !(l.type === 'host.done' && l.step === 8));
    expect(restoreTestsOf('r1', 'done', 'x', unverified)).toEqual([]);
  });

  it("a profile's own restore (ipa.backup.restore) is marked like backup.restore; another action's output is not", () => {
    const journal = (restoreAction: string) => [
      { type: 'step.start', step: 1, action: restoreAction },
      { type: 'host.done', step: 1, host: 'ipa1', status: 'changed', output: { backup: '/b/ipa', host: 'ipa1' } },
      { type: 'step.start', step: 2, action: 'verify.converged' },
      { type: 'host.done', step: 2, host: 'ipa1', status: 'ok', output: {} },
    ];
    expect(restoreTestsOf('r2', 'done', 't', journal('ipa.backup.restore'))).toEqual([{ backup: '/b/ipa', test: { runId: 'r2', time: 't', host: 'ipa1', verifiedBy: ['verify.converged'] } }]);
    expect(restoreTestsOf('r2', 'done', 't', journal('ipa.backup.check'))).toEqual([]);
  });

  it('backup list shows restore-tested with the run id; backup verify re-hashes and names a corrupt one', async () => {
    const inv = path.join(dir, 'inv.yaml');
    writeFileSync(inv, 'cluster: lab\nprofile: 389ds\nvars: { backup_dir: ./bk }\nhosts:\n  ds1: { address: 10.0.0.1, roles: [ca] }\n');
    const root = path.join(dir, 'bk');
    // A real tar of the 389-ds layout: an unencrypted backup is read as its tar by backup verify.
    mkdirSync(path.join(dir, 'src', 'db'), { recursive: true });
    writeFileSync(path.join(dir, 'src', 'db', 'id2entry.db'), 'entries');
    execFileSync('tar', ['-cf', path.join(dir, 'db.tar'), '-C', path.join(dir, 'src'), 'db']);
    const payload = readFileSync(path.join(dir, 'db.tar'));
    const sha256 = createHash('sha256').update(payload).digest('hex');
    const good = await createBackupDir(root, 'lab', 'data', new Date(Date.UTC(2026, 10, 22, 4, 0, 0)));
    const bad = await createBackupDir(root, 'lab', 'data', new Date(Date.UTC(2026, 10, 22, 5, 0, 0)));
    for (const b of [good, bad]) {
      writeFileSync(path.join(b.dir, 'payload.tar'), payload);
      await writeHeader(b.dir, sampleHeader({ host: 'ds1', payload: { file: 'payload.tar', size: payload.length, sha256 }, archive: { size: payload.length, sha256 } }));
    }
    writeFileSync(path.join(bad.dir, 'payload.tar'), 'corrupted!');

    const run = runDirRestoring(good.dir);
    await markRestoreTestedQuietly(run);
    await markRestoreTestedQuietly(run); // idempotent: one line per run
    expect(await readRestoreTests(good.dir)).toHaveLength(1);
    expect(await readRestoreTests(bad.dir)).toHaveLength(0);

    const list = await cli(['backup', 'list', '-i', inv]);
    expect(list.out).toContain('lifeboat-data-2026-11-22-04-00-00  ds1  db2bak  dc=lab,dc=test  10.0 KiB  NOT encrypted  never verified  restore-tested by run 20261130-204533-6962 (2026-11-30T20:46:16.640Z)');
    expect(list.out).toContain('lifeboat-data-2026-11-22-05-00-00  ds1  db2bak  dc=lab,dc=test  10.0 KiB  NOT encrypted  never verified  not restore-tested');

    const one = await cli(['backup', 'verify', 'lifeboat-data-2026-11-22-04-00-00', '-i', inv]);
    expect(one).toMatchObject({ code: 0, out: 'lifeboat-data-2026-11-22-04-00-00  archive verified (2 tar entries)\n' });
    const all = await cli(['backup', 'verify', '--all', '-i', inv]);
    expect(all.code).toBe(1);
    expect(all.out).toMatch(/lifeboat-data-2026-11-22-05-00-00 {2}FAILED \(sha256\): payload is 10 bytes, sha256 [0-9a-f]{12}…; the header says \d+ bytes/);
    // The catalog remembers both results: backup list shows them.
    const after = await cli(['backup', 'list', '-i', inv]);
    expect(after.out).toMatch(/^lifeboat-data-2026-11-22-04-00-00 .* verified \(archive\) \S+ {2}restore-tested by run/m);
    expect(after.out).toMatch(/^lifeboat-data-2026-11-22-05-00-00 .* verify FAILED \(sha256\) \S+ {2}not restore-tested$/m);
    const none = await cli(['backup', 'verify', '-i', inv]);
    expect(none.code).toBe(2);

    // backup=latest-good: the newer backup was never restore-tested, so the older one is chosen...
    expect(await latestGoodBackup(root, 'lab')).toEqual({ dir: good.dir, why: 'lifeboat-data-2026-11-22-04-00-00, restore-tested by run 20261130-204533-6962' });
    // A profile's filter (ipa: only ipa-backup bodies) passes over what it cannot restore.
    expect((await latestGoodBackup(root, 'lab', () => false)).dir).toBeUndefined();
    // ...until its payload stops matching its header.
    writeFileSync(path.join(good.dir, 'payload.tar'), 'bit rot');
    const gone = await latestGoodBackup(root, 'lab');
    expect(gone.dir).toBeUndefined();
    expect(gone.why).toContain('skipped lifeboat-data-2026-11-22-04-00-00 (restore-tested but its payload no longer matches its header)');
  });
});
