import { describe, expect, it } from 'vitest';
import { sh } from '../../../src/profiles/keytrustee/actions/steps.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';
import { fakeContext, host, inventory } from '../backup/fake-context.ts';

describe('keytrustee step errors', () => {
  it('name the host and step, and keep the cause, not the service account\'s "could not change directory" noise', async () => {
    const h = scriptedHost('kts2', () => ({
      code: 1,
      stderr: 'could not change directory to "/root": Permission denied\npg_basebackup: error: connection to server at "10.0.0.1", port 5433 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n',
    }));
    const ctx = fakeContext({ inv: inventory([host('kts2', ['passive'])]), host: 'kts2', args: {}, remote: h.remote });
    await expect(sh(h.remote, ctx, 'pg_basebackup ...', 'pg_basebackup from kts1')).rejects.toThrow(
      /^kts2: pg_basebackup from kts1 failed \(exit 1\): pg_basebackup: error: connection to server at "10\.0\.0\.1", port 5433 failed: Connection refused \| \tIs the server running/,
    );
  });
});
