import { afterEach, describe, expect, it } from 'vitest';
import { resolveSecret } from '../../../src/inventory/index.ts';
import { forgetSecretsForTests, mask } from '../../../src/util/secrets.ts';
import { errorLines, tempDir } from './temp-files.ts';

const tmp = tempDir();
afterEach(() => forgetSecretsForTests());

describe('resolveSecret', () => {
  it('reads an environment variable and registers it for masking', async () => {
    const value = await resolveSecret({ env: 'LB_TEST_PW' }, 'secret dm_password', { env: { LB_TEST_PW: 'Hunter2-pw' } });
    expect(value).toBe('Hunter2-pw');
    expect(mask('bind with Hunter2-pw')).toBe('bind with ***');
  });

  it('names the secret and the variable when the variable is missing, never a value', async () => {
    expect(await errorLines(() => resolveSecret({ env: 'LB_NOT_SET' }, 'secret dm_password', { env: {} }))).toEqual([
      'secret dm_password: environment variable LB_NOT_SET is not set',
    ]);
  });

  it('reads a 0600 file, trimming one trailing newline only, without a warning', async () => {
    const file = tmp.write('dm.pw', 'pass word\n\n', 0o600);
    const warnings: string[] = [];
    const value = await resolveSecret({ file }, 'secret dm_password', { onWarning: (m) => warnings.push(m) });
    expect(value).toBe('pass word\n');
    expect(warnings).toEqual([]);
  });

  it('warns once when the file is readable by its group, and still reads it', async () => {
    const file = tmp.write('group.pw', 'S3cret-value\r\n', 0o640);
    const warnings: string[] = [];
    expect(await resolveSecret({ file }, 'secret dm_password', { onWarning: (m) => warnings.push(m) })).toBe('S3cret-value');
    // A run reads one passphrase file for several steps: one warning, not one per step.
    expect(await resolveSecret({ file }, 'step 3 argument passphrase_file', { onWarning: (m) => warnings.push(m) })).toBe('S3cret-value');
    expect(warnings).toEqual([`secret dm_password: ${file} is readable by its group (mode 0640); run chmod 600 ${file}`]);
    expect(warnings.join('')).not.toContain('S3cret-value');
  });

  it('refuses a file every user can read, naming it and the fix, never the value', async () => {
    const file = tmp.write('world.pw', 'S3cret-value\n', 0o644);
    const lines = await errorLines(() => resolveSecret({ file }, 'secret dm_password', { onWarning: () => {} }));
    expect(lines).toEqual([
      `secret dm_password: secret file ${file} is readable by every user (mode 0644): run chmod 600 ${file}, and change the secret if others may have read it`,
    ]);
    expect(lines.join('')).not.toContain('S3cret-value');
  });

  it('reports a missing or empty file and a value too short to mask', async () => {
    const missing = `${tmp.dir}/none.pw`;
    expect(await errorLines(() => resolveSecret({ file: missing }, 'secret k', { onWarning: () => {} }))).toEqual([
      `secret k: cannot read secret file ${missing} (no such file)`,
    ]);
    const empty = tmp.write('empty.pw', '\n', 0o600);
    expect(await errorLines(() => resolveSecret({ file: empty }, 'secret k'))).toEqual([`secret k: secret file ${empty} is empty`]);
    expect(await errorLines(() => resolveSecret({ value: 'abc' }, 'secret k'))).toEqual([
      'secret k: the secret is shorter than 4 characters, too short to be masked in output',
    ]);
  });

  it('returns an inline value (tests and labs) and masks it too', async () => {
    expect(await resolveSecret({ value: 'lab-password' }, 'secret dm_password')).toBe('lab-password');
    expect(mask('x lab-password y')).toBe('x *** y');
  });
});
