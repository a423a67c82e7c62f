import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awaitEntriesCommand } from '../../../src/profiles/389ds/actions/verify/await-entries.ts';
import { hostDigestCommand } from '../../../src/profiles/389ds/actions/verify/host-digest.ts';

/**
 * The host-side scripts run here under /bin/sh with a stand-in `ldapsearch` on PATH that prints
 * the given LDIF files in turn (one per call; the last one repeats) and counts its calls.
 */
function runWith(ldifs: string[], command: string): { stdout: string; calls: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-hostcmd-'));
  ldifs.forEach((t, i) => writeFileSync(join(dir, `out${i}`), t));
  writeFileSync(
    join(dir, 'ldapsearch'),
    `#!/bin/sh\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n\nf=${dir}/out$n; [ -f "$f" ] || f=${dir}/out${ldifs.length - 1}\ncat "$f"\n`,
  );
  chmodSync(join(dir, 'ldapsearch'), 0o755);
  const stdout = execFileSync('/bin/sh', ['-c', command], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  return { stdout, calls: Number(execFileSync('cat', [join(dir, 'n')], { encoding: 'utf8' })) };
}

const S = 'dc=lab,dc=test';
const A = `dn: uid=a,${S}\nobjectClass: top\nobjectClass: person\nuid: a\n\n`;
const B = `dn: uid=b,${S}\nuid: b\nmail: b@x\n\n`;

describe('host-side entry hash', () => {
  const hash = (ldif: string) => runWith([ldif], hostDigestCommand('lab', S)).stdout;

  it('is the same for the same entries in another order, with values and attributes reordered', () => {
    const reordered = `dn: uid=b,${S}\nmail: b@x\nUID: b\n\ndn: UID=a, ${S}\nobjectClass: person\nuid: a\nobjectClass: top\n\n`;
    expect(hash(A + B)).toMatch(/^[0-9a-f]{64}/);
    expect(hash(reordered)).toBe(hash(A + B));
  });

  it('differs for a changed value, a missing entry, or a value moved to another entry', () => {
    expect(hash(A + B.replace('b@x', 'c@x'))).not.toBe(hash(A + B));
    expect(hash(A)).not.toBe(hash(A + B));
    expect(hash(A.replace('uid: a\n', 'uid: a\nmail: b@x\n') + B.replace('mail: b@x\n', ''))).not.toBe(hash(A + B));
  });

  it("leaves Lifeboat's own proof entries out", () => {
    expect(hash(A + `dn: cn=lifeboat-probe-x-ds2,${S}\ncn: lifeboat-probe-x-ds2\n\n` + B)).toBe(hash(A + B));
  });
});

describe('host-side wait for proof entries', () => {
  const p1 = `cn=lifeboat-probe-t-ds1,${S}`;
  const p2 = `cn=lifeboat-probe-t-ds2,${S}`;

  it('looks again until every entry is there, then prints them (one answer)', () => {
    const r = runWith(['', `dn: ${p1}\n\n`, `dn: ${p1}\n\ndn: ${p2}\n\n`], awaitEntriesCommand('lab', S, { present: [p1, p2], absent: [] }, 10, 5));
    expect(r.calls).toBe(3);
    expect(r.stdout).toContain(`dn: ${p2}`);
  });

  it('looks again until none is left', () => {
    const r = runWith([`dn: ${p1}\n\n`, ''], awaitEntriesCommand('lab', S, { present: [], absent: [p1, p2] }, 10, 5));
    expect(r.calls).toBe(2);
    expect(r.stdout.trim()).toBe('');
  });

  it('a chained write: looks again until the new entry is there AND the one it deleted is gone', () => {
    // p2 added and p1 deleted by one ldapmodify on its writer: the add may arrive first.
    const r = runWith([`dn: ${p1}\n\n`, `dn: ${p1}\n\ndn: ${p2}\n\n`, `dn: ${p2}\n\n`], awaitEntriesCommand('lab', S, { present: [p2], absent: [p1] }, 10, 5));
    expect(r.calls).toBe(3);
    expect(r.stdout).toContain(`dn: ${p2}`);
    expect(r.stdout).not.toContain(`dn: ${p1}`);
    // A longer name that starts with p1's is another entry.
    const longer = `cn=lifeboat-probe-t-ds10,${S}`;
    expect(runWith([`dn: ${longer}\n\ndn: ${p2}\n\n`], awaitEntriesCommand('lab', S, { present: [p2], absent: [p1] }, 10, 5)).calls).toBe(1);
  });

  it('gives up after its time and answers what it saw', () => {
    const r = runWith([`dn: ${p1}\n\n`], awaitEntriesCommand('lab', S, { present: [p1, p2], absent: [] }, 100, 0.3));
    expect(r.calls).toBe(3);
    expect(r.stdout).toContain(`dn: ${p1}`);
    expect(r.stdout).not.toContain(p2);
  });

  it('escapes filter characters in the names it looks for', () => {
    expect(awaitEntriesCommand('lab', S, { present: [`cn=lifeboat-probe-t-a*b(c),${S}`], absent: [] }, 10, 1)).toContain('(cn=lifeboat-probe-t-a\\2ab\\28c\\29)');
  });
});
