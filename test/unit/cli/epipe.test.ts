import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('a reader that goes away', () => {
  it('`lifeboat plan … | head -1` ends with exit 0, not an EPIPE crash', () => {
    const r = spawnSync(
      'bash',
      ['-c', 'set -o pipefail; node bin/lifeboat.js plan server-loss -i inventories/example-ipa.yaml -e lost=ipa2 -e from=ipa1 | head -1'],
      { cwd: root, env: { ...process.env, LIFEBOAT_DM_PASSWORD: 'epipe-test-secret' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stdout).toMatch(/^Plan: server-loss\.yaml/);
    expect(r.stderr).not.toMatch(/EPIPE/);
    expect(r.status).toBe(0);
  });
});
