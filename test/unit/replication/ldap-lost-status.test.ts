import { describe, expect, it } from 'vitest';
import { ldapModify, ldapSearch } from '../../../src/actions/389ds/ldap.ts';
import { fakeRemote, type Call } from './fakes.ts';

/** Over the lab's SSH an exit status is sometimes lost (code null): reads repeat, writes re-apply. */
describe('lost exit statuses', () => {
  it('repeats a search whose exit status was lost', async () => {
    const calls: Call[] = [];
    let n = 0;
    const r = fakeRemote('ds1', calls, () => (n++ === 0 ? { code: null } : { stdout: 'dn: cn=x\ncn: x\n' }));
    expect(await ldapSearch(r, 'lab', 'cn=x', 'base')).toEqual([{ dn: 'cn=x', attrs: { cn: ['x'] } }]);
    expect(calls).toHaveLength(2);
  });

  it('re-applies a modify with -c and accepts "already exists" from the first attempt', async () => {
    const calls: Call[] = [];
    let n = 0;
    const r = fakeRemote('ds1', calls, () => (n++ === 0 ? { code: null } : { code: 68 }));
    await ldapModify(r, 'lab', 'dn: cn=x\nchangetype: add\ncn: x\n');
    expect(calls.map((c) => c.command.endsWith(' -c'))).toEqual([false, true]);
    expect(calls[1]!.stdin).toBe(calls[0]!.stdin);
  });

  it('still fails on a real error and on a timeout', async () => {
    const calls: Call[] = [];
    await expect(ldapModify(fakeRemote('ds1', calls, () => ({ code: 50, stderr: 'ldap_modify: Insufficient access (50)' })), 'lab', 'dn: cn=x\n')).rejects.toThrow(/exit 50/);
    await expect(ldapSearch(fakeRemote('ds1', calls, () => ({ code: null, timedOut: true })), 'lab', 'cn=x', 'base')).rejects.toThrow(/exit null/);
  });
});
