/**
 * restoreCommand decides on the host between the online restore task and the offline path. It
 * runs here in a real POSIX shell, with stand-ins for ldapsearch / ldapmodify / dsctl first on
 * PATH that record their calls and play a server that is up or down.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRestoreMark, restoreCommand } from '../../../src/profiles/389ds/actions/backup/commands.ts';

let dir: string;

const STUBS: Record<string, string> = {
  // The server "answers" while the file up exists; the task's exit code comes from task_rc.
  ldapsearch: `echo "ldapsearch $*" >> "$STUB/calls"
[ -e "$STUB/up" ] || { echo "ldap_sasl_interactive_bind: Can't contact LDAP server (-1)" >&2; exit 255; }
case "$*" in *"-s one"*) n=$(cat "$STUB/busy_polls" 2>/dev/null || echo 0); case "$*" in *cn=restore,*) if [ "$n" -gt 0 ]; then echo $((n-1)) > "$STUB/busy_polls"; printf 'dn: cn=killed-run,cn=restore,cn=tasks,cn=config\n'; fi;; esac; exit 0;; esac
case "$*" in *nsTaskExitCode*) [ -e "$STUB/task_crashes" ] && { rm -f "$STUB/up"; echo "ldap_sasl_interactive_bind: Can't contact LDAP server (-1)" >&2; exit 255; }; printf 'dn: cn=t,cn=restore,cn=tasks,cn=config\\nnsTaskExitCode: %s\\nnsTaskLog: restore of userRoot %s\\n' "$(cat "$STUB/task_rc")" "$(cat "$STUB/task_log")";; esac
exit 0`,
  ldapmodify: `echo "ldapmodify $*" >> "$STUB/calls"; cat > "$STUB/ldif"`,
  dsctl: `echo "dsctl $*" >> "$STUB/calls"
case "$2" in stop) rm -f "$STUB/up";; start) touch "$STUB/up";; bak2db) exit "$(cat "$STUB/bak2db_rc")";; esac`,
};

function run(state: { up: boolean; taskRc?: number; bak2dbRc?: number; taskCrashes?: boolean; busyPolls?: number }) {
  if (state.up) writeFileSync(join(dir, 'up'), '');
  if (state.busyPolls) writeFileSync(join(dir, 'busy_polls'), String(state.busyPolls));
  if (state.taskCrashes) writeFileSync(join(dir, 'task_crashes'), '');
  writeFileSync(join(dir, 'task_rc'), String(state.taskRc ?? 0));
  writeFileSync(join(dir, 'task_log'), state.taskRc ? 'failed: archive unreadable' : 'done');
  writeFileSync(join(dir, 'bak2db_rc'), String(state.bak2dbRc ?? 0));
  const command = restoreCommand('lab', '/var/lib/dirsrv/slapd-lab/bak/b1.restore/db', 'b1-restore-1', 5);
  const r = spawnSync('sh', ['-c', command], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, STUB: dir }, encoding: 'utf8' });
  const calls = existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lb-restore-cmd-'));
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('restoreCommand (online task when the server answers, else offline)', () => {
  it('server up: one restore task over LDAPI, no stop or restart, the mark says online', () => {
    const r = run({ up: true });
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('dsctl'))).toEqual([]);
    const ldif = readFileSync(join(dir, 'ldif'), 'utf8');
    expect(ldif).toContain('dn: cn=b1-restore-1,cn=restore,cn=tasks,cn=config\nchangetype: add\n');
    expect(ldif).toContain('nsArchiveDir: /var/lib/dirsrv/slapd-lab/bak/b1.restore/db\n');
    expect(parseRestoreMark(r.stdout)?.path).toBe('online');
  });

  it('a restore task left running by a killed controller: waits for it to end, then adds its own', () => {
    const r = run({ up: true, busyPolls: 3 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('waiting for a running directory task to end first:\ndn: cn=killed-run,cn=restore,cn=tasks,cn=config');
    const restoreSearches = r.calls.filter((c) => c.includes('-s one') && c.includes('cn=restore,cn=tasks'));
    expect(restoreSearches.length).toBe(4); // three busy answers, then idle
    const firstAdd = r.calls.findIndex((c) => c.startsWith('ldapmodify'));
    const lastIdleCheck = r.calls.map((c, i) => (c.includes('-s one') ? i : -1)).filter((i) => i >= 0).at(-1)!;
    expect(firstAdd).toBeGreaterThan(lastIdleCheck);
    expect(parseRestoreMark(r.stdout)?.path).toBe('online');
  });

  it('server up but the task fails: non-zero exit with the task log, no mark', () => {
    const r = run({ up: true, taskRc: 1 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('nsTaskLog: restore of userRoot failed: archive unreadable');
    expect(parseRestoreMark(r.stdout)).toBeUndefined();
  });

  it('server down: stop, bak2db of the archive, start, wait for LDAPI; the mark says offline', () => {
    const r = run({ up: false });
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('dsctl'))).toEqual([
      'dsctl lab stop',
      'dsctl lab bak2db /var/lib/dirsrv/slapd-lab/bak/b1.restore/db',
      'dsctl lab start',
    ]);
    expect(r.calls.some((c) => c.startsWith('ldapmodify'))).toBe(false);
    const mark = parseRestoreMark(r.stdout);
    expect(mark?.path).toBe('offline');
    expect(mark?.ms).toBeGreaterThanOrEqual(0);
  });

  it('the server dies under the online task: the offline path runs and starts it again', () => {
    const r = run({ up: true, taskCrashes: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stopped answering during the online restore');
    expect(r.calls.some((c) => c.startsWith('ldapmodify'))).toBe(true);
    expect(r.calls.filter((c) => c.startsWith('dsctl'))).toEqual([
      'dsctl lab stop',
      'dsctl lab bak2db /var/lib/dirsrv/slapd-lab/bak/b1.restore/db',
      'dsctl lab start',
    ]);
    expect(parseRestoreMark(r.stdout)?.path).toBe('offline');
  }, 30_000);

  it('server down and bak2db fails: the server is started again and the exit is non-zero', () => {
    const r = run({ up: false, bak2dbRc: 3 });
    expect(r.code).toBe(3);
    expect(r.calls.at(-1)).toBe('dsctl lab start');
    expect(parseRestoreMark(r.stdout)).toBeUndefined();
  });
});
