import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('`lifeboat backup list` on ipa-backup backups (format-2 envelopes in the same store)', () => {
  it('lists each with its host, profile and method', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-ipa-list-'));
    try {
      const inv = path.join(dir, 'inv.yaml');
      writeFileSync(inv, `cluster: idm-prod\nprofile: ipa\nvars: { backup_dir: ${path.join(root, 'test/fixtures/ipa/store')} }\nhosts:\n  ipa1: { address: ipa1.dc1.example.com }\n`);
      const r = spawnSync('node', ['bin/lifeboat.js', 'backup', 'list', '-i', inv], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual([
        'lifeboat-full-2026-11-30-12-11-50  ipa1  ipa  10.0 KiB  ipa-backup full of IPA 4.9.8, not encrypted  never verified  not restore-tested',
        'lifeboat-data-2026-11-30-12-14-30  ipa1  ipa  10.0 KiB  ipa-backup data of IPA 4.9.8, not encrypted  never verified  not restore-tested',
        'lifeboat-data-2026-11-30-12-20-10  ipa1  ipa  10.0 KiB  ipa-backup data of IPA 4.9.8, encrypted by ipa-backup --gpg  never verified  not restore-tested',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
