/** `lifeboat backup list` words a CipherTrust catalog entry through the profile (not "INCOMPLETE"). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, expect, it } from 'vitest';
import { registerBackupCommands } from '../../../src/cli/backup.ts';
import type { CliContext } from '../../../src/cli/common.ts';
import { writeCtmHeader } from '../../../src/profiles/ciphertrust/catalog.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'lb-ctm-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('lists a system backup with its scope, id, release and backup key', async () => {
  const inv = path.join(dir, 'inv.yaml');
  writeFileSync(inv, 'cluster: ctm\nprofile: ciphertrust\nvars: { backup_dir: ./b }\nhosts:\n  cm1: { address: cm1.example.test }\n');
  const entry = path.join(dir, 'b', 'ctm', 'lifeboat-full-2026-11-30-01-00-00');
  mkdirSync(entry, { recursive: true });
  await writeCtmHeader(entry, {
    format: 'lifeboat-backup', formatVersion: 2, profile: 'ciphertrust', cluster: 'ctm', host: 'cm1', hostname: 'cm1.example.test', time: '2026-11-30T01:00:00Z',
    payload: { file: 'backup.bin', size: 2048, sha256: 'c'.repeat(64) }, archive: { size: 2048, sha256: 'c'.repeat(64) }, encryption: { kind: 'none' }, toolVersion: 'lifeboat test',
    body: { scope: 'system', backupId: 'b-42', release: '2.14.0', backupKey: 'k-9', description: 'x', tiedToHsm: true },
  });
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const ctx = { io: { stdout, stderr: new PassThrough(), stdin: process.stdin }, setExit: () => {} } as unknown as CliContext;
  const program = new Command('lifeboat').exitOverride();
  registerBackupCommands(program, ctx);
  await program.parseAsync(['node', 'lifeboat', 'backup', 'list', '-i', inv]);
  expect(out).toBe('lifeboat-full-2026-11-30-01-00-00  cm1  ciphertrust  2.0 KiB  system backup b-42, release 2.14.0, encrypted by backup key k-9, tied to the HSM  never verified  not restore-tested\n');
});
