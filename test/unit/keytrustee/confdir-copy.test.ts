import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { RemoteHost } from '../../../src/transport/types.ts';
import { ktsConfdirCopy } from '../../../src/profiles/keytrustee/actions/confdir-copy.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';
import { fakeContext, host, inventory } from '../backup/fake-context.ts';

const inv = { ...inventory([host('kts1', ['active']), host('kts2', ['passive'])]), profile: 'keytrustee', vars: {} };
const tar = join(mkdtempSync(join(tmpdir(), 'kts-confdir-')), 'c.tar');
writeFileSync(tar, 'not really a tar');

function twoHosts(confdirPresent: boolean, unpackCode = 0) {
  const active = scriptedHost('kts1', () => undefined, { '/var/tmp/kts-confdir.tar': tar });
  const passive = scriptedHost('kts2', (c) => (c.includes('echo present') ? { stdout: confdirPresent ? 'present\n' : 'missing\n' } : c.includes('tar -x') ? { code: unpackCode, stderr: unpackCode ? 'tar: Unexpected EOF in archive' : '' } : undefined));
  const ctx = fakeContext({ inv, host: 'kts2', args: { from: 'active', only_if_missing: true }, remote: passive.remote });
  const byName: Record<string, RemoteHost> = { kts1: active.remote, kts2: passive.remote };
  const c: ActionContext = { ...ctx, runDir: mkdtempSync(join(tmpdir(), 'kts-run-')), connect: async (name?: string) => byName[name ?? 'kts2']! };
  return { c, active, passive };
}

describe('confdir.copy', () => {
  it('only_if_missing leaves an existing confdir alone and says so (it said "confdir from kts1")', async () => {
    const { c, active, passive } = twoHosts(true);
    const r = await ktsConfdirCopy.run(c);
    expect(r).toMatchObject({ changed: false, summary: 'kts2: has its configuration directory; left as it is' });
    expect(active.commands).toEqual([]);
    expect(passive.commands).toHaveLength(1);
  });

  it('a missing confdir is copied; a failed unpack fails the step (the trailing rm hid tar\'s exit status)', async () => {
    const ok = twoHosts(false);
    await expect(ktsConfdirCopy.run(ok.c)).resolves.toMatchObject({ changed: true });
    expect(ok.passive.uploads.map((u) => u.path)).toEqual(['/var/tmp/kts-confdir.tar']);
    const broken = twoHosts(false, 2);
    await expect(ktsConfdirCopy.run(broken.c)).rejects.toThrow(/^kts2: unpack the confdir failed \(exit 2\): tar: Unexpected EOF/);
  });

  it('plans the probe first when only_if_missing, so the plan shows what decides', () => {
    const { c } = twoHosts(false);
    const plan = ktsConfdirCopy.plan(c) as { host: string; command: string }[];
    expect(plan[0]).toMatchObject({ host: 'kts2', command: "[ -d /var/lib/keytrustee/.keytrustee ] && echo present || echo missing" });
    expect(plan[plan.length - 2]!.command).toMatch(/tar -x -C \/ -f \/var\/tmp\/kts-confdir\.tar; rc=\$\?; rm -f \/var\/tmp\/kts-confdir\.tar; exit \$rc$/);
  });
});
