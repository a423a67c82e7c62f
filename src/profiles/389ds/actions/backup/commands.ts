import { ldapiUrl, modifyCommand, shq } from '../ldap.ts';
import { ldapiPingCommand, waitForLdapiCommand } from '../ldapi-wait.ts';

/**
 * Every shell command the backup actions run, built by pure functions so that `plan` shows
 * exactly what `run` executes. dsctl's offline tools print a FIPS notice on stderr: callers judge
 * by exit code only.
 */

export const FACTS_COMMAND = `(hostname -f 2>/dev/null || hostname); /usr/sbin/ns-slapd -v 2>&1 | sed -n 's,^389-Directory/\\([^ ]*\\).*,\\1,p'`;

export function instanceDir(instance: string): string {
  return `/var/lib/dirsrv/slapd-${instance}`;
}
export function bakDir(instance: string): string {
  return `${instanceDir(instance)}/bak`;
}
export function ldifDir(instance: string): string {
  return `${instanceDir(instance)}/ldif`;
}
/** The host-side tarball: root-only /var/tmp, removed once the controller holds a verified copy. */
export function hostTarPath(name: string): string {
  return `/var/tmp/${name}.tar`;
}

/** 389-ds task entries: online work without dsconf's Python start-up. */
export function taskDn(kind: 'backup' | 'restore', name: string): string {
  return `cn=${name},cn=${kind},cn=tasks,cn=config`;
}

export function taskLdif(kind: 'backup' | 'restore', name: string, archiveDir: string): string {
  return [
    `dn: ${taskDn(kind, name)}`,
    'changetype: add',
    'objectClass: top',
    'objectClass: extensibleObject',
    `cn: ${name}`,
    `nsArchiveDir: ${archiveDir}`,
    'nsDatabaseType: ldbm database',
    '',
  ].join('\n');
}

export { modifyCommand };

/** waitTaskCommand's exit status when the server stopped answering (crashed) during the task. */
export const SERVER_GONE = 125;

/**
 * One host-side loop that polls the task entry every 0.2 s until it has nsTaskExitCode (no round
 * trip per poll), then prints the entry. Exit 124 when it did not finish in time, SERVER_GONE when
 * the server stopped answering for 5 s (a task can crash it: seen with a damaged backup).
 */
export function waitTaskCommand(instance: string, dn: string, seconds: number): string {
  const tries = Math.max(1, Math.ceil(seconds / 0.2));
  const search = `ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H ${ldapiUrl(instance)} -b ${shq(dn)} -s base '(objectClass=*)' nsTaskExitCode nsTaskStatus nsTaskLog`;
  return [
    `i=0; down=0; out=''; while [ $i -lt ${tries} ]; do`,
    `out=$(${search} 2>&1);`,
    `case "$out" in *nsTaskExitCode:*) printf '%s\\n' "$out"; exit 0;; *"contact LDAP server"*) down=$((down+1));; *) down=0;; esac;`,
    `[ $down -ge 25 ] && { printf '%s\\n' "$out"; exit ${SERVER_GONE}; };`,
    `sleep 0.2; i=$((i+1)); done; printf '%s\\n' "$out"; exit 124`,
  ].join(' ');
}

/**
 * Waits until no import, export, backup or restore task runs on the instance (a task entry
 * without nsTaskExitCode). A controller killed during an online restore leaves its task running
 * in the server; the restore that `resume` starts would fail at once ("Backend is already in the
 * middle of another task") unless it waits for that one to end first.
 */
export function waitTasksIdleCommand(instance: string, seconds: number): string {
  const tries = Math.max(1, Math.ceil(seconds / 0.2));
  const search = (c: string) => `ldapsearch -LLL -Q -Y EXTERNAL -H ${ldapiUrl(instance)} -b 'cn=${c},cn=tasks,cn=config' -s one '(!(nsTaskExitCode=*))' 1.1 2>/dev/null | grep '^dn:'`;
  return [
    `i=0; while :; do busy="$(${['restore', 'import', 'export', 'backup'].map(search).join('; ')})";`,
    `[ -z "$busy" ] && break; i=$((i+1));`,
    `[ $i -ge ${tries} ] && { printf 'lifeboat: another directory task is still running after ${seconds} s:\n%s\n' "$busy" >&2; exit 1; };`,
    `[ $i -eq 1 ] && printf 'lifeboat: waiting for a running directory task to end first:\n%s\n' "$busy" >&2;`,
    `sleep 0.2; done`,
  ].join(' ');
}

/**
 * Stops the server, runs the offline steps, and starts it again whatever happened, in ONE remote
 * shell: a controller that dies half way does not leave the directory down. The tools write to a
 * file on the host, shown once they are done: measured, a controller SIGKILLed during db2bak took
 * the SSH channel with it, `dsctl stop` then failed writing "stopped" to it, and the server stayed
 * down. Ends with the steps' status (not `exit`), so a caller's cleanup after it still runs.
 */
export function offlineCommand(instance: string, steps: string[]): string {
  const i = shq(instance);
  const work = `dsctl ${i} stop && { rc=0; ${steps.map((s) => `${s} || rc=$?;`).join(' ')} dsctl ${i} start; exit $rc; }`;
  return `lb_out=$(mktemp) || exit 1; ( ${work} ) >"$lb_out" 2>&1; lb_rc=$?; cat "$lb_out"; rm -f "$lb_out"; (exit $lb_rc)`;
}

/** The last line of restoreCommand's output: which path ran and how long the host spent on it. */
export const RESTORE_MARK = 'lifeboat-restore:';

export function parseRestoreMark(stdout: string): { path: 'online' | 'offline'; ms: number } | undefined {
  const m = new RegExp(`^${RESTORE_MARK} (online|offline) (\\d+) ms$`, 'm').exec(stdout);
  return m ? { path: m[1] as 'online' | 'offline', ms: Number(m[2]) } : undefined;
}

/**
 * A db2bak/online backup restored the fastest way the server allows, decided on the host in one
 * shell: when the instance answers on LDAPI, an online restore task (cn=restore,cn=tasks: the
 * backends go offline inside the running server, no process restart, ~3 s for 10k entries);
 * when it does not (it cannot start, or it was stopped), the offline path (stop, bak2db, start)
 * that needs no running server. Either way the task's exit code / bak2db's exit status decides,
 * and the last line says which path ran and the host's own duration (RESTORE_MARK). A server
 * that dies under the online task (seen here with a damaged backup: a BDB panic) gets the offline
 * path too, which starts it again whatever bak2db does.
 */
export function restoreCommand(instance: string, archive: string, taskName: string, waitSeconds = 900): string {
  const dn = taskDn('restore', taskName);
  const ldif = taskLdif('restore', taskName, archive).trimEnd().split('\n').map(shq).join(' ');
  const online = [
    `( ${waitTasksIdleCommand(instance, waitSeconds)} ) || exit $?;`,
    `printf '%s\\n' ${ldif} | ${modifyCommand(instance)} >/dev/null || exit $?;`,
    `out=$( ( ${waitTaskCommand(instance, dn, waitSeconds)} ) ); rc=$?; printf '%s\\n' "$out";`,
    // The server died under the task: the offline path below gets its chance, and starts it.
    `if [ $rc -eq ${SERVER_GONE} ]; then echo 'lifeboat: the server stopped answering during the online restore; trying stop / bak2db / start' >&2; how=offline; else`,
    `[ $rc -eq 0 ] || exit $rc;`,
    `case "$out" in *'nsTaskExitCode: 0'*) ;; *) exit 1;; esac; fi;`,
  ].join(' ');
  const offline = `( ${offlineCommand(instance, [bak2dbStep(instance, archive)])} ) || exit $?; ( ${waitForLdapiCommand(instance, 120)} ) || exit 1;`;
  return [
    `t0=$(date +%s%N); how=offline;`,
    `if ${ldapiPingCommand(instance)}; then how=online; ${online} fi;`,
    `if [ $how = offline ]; then ${offline} fi;`,
    `echo "${RESTORE_MARK} $how $(( ($(date +%s%N) - t0) / 1000000 )) ms"`,
  ].join(' ');
}

export function db2bakStep(instance: string, archive: string): string {
  return `dsctl ${shq(instance)} db2bak ${shq(archive)}`;
}
export function db2ldifStep(instance: string, backend: string, file: string): string {
  return `dsctl ${shq(instance)} db2ldif --replication ${shq(backend)} ${shq(file)}`;
}
export function bak2dbStep(instance: string, archive: string): string {
  return `dsctl ${shq(instance)} bak2db ${shq(archive)}`;
}
export function ldif2dbStep(instance: string, backend: string, file: string): string {
  return `dsctl ${shq(instance)} ldif2db ${shq(backend)} ${shq(file)}`;
}

/** The LDIF file db2ldif writes for one backend, in the instance's dirsrv-writable ldif dir. */
export function ldifFile(instance: string, name: string, backend: string): string {
  return `${ldifDir(instance)}/${name}-${backend}.ldif`;
}

/**
 * Packs what the backup made into a fixed layout — `db/` (db2bak / online), `ldif/<backend>.ldif`
 * (db2ldif), `config/` (full backups: the instance's /etc/dirsrv directory) — then removes the
 * server-side copies. GNU tar's --transform renames while reading, so nothing is copied twice.
 */
export function packCommand(opts: { instance: string; name: string; method: 'db' | 'ldif'; backends: string[]; full: boolean }): string {
  const { instance, name } = opts;
  const tar = hostTarPath(name);
  const parts: string[] = [`umask 077; tar -cf ${shq(tar)}`];
  const cleanup: string[] = [];
  if (opts.method === 'db') {
    parts.push(`--transform ${shq(`s,^${name},db,`)} -C ${shq(bakDir(instance))} ${shq(name)}`);
    cleanup.push(shq(`${bakDir(instance)}/${name}`));
  } else {
    parts.push(`--transform ${shq(`s,^${name}-,ldif/,`)} -C ${shq(ldifDir(instance))}`);
    for (const b of opts.backends) {
      parts.push(shq(`${name}-${b}.ldif`));
      cleanup.push(shq(ldifFile(instance, name, b)));
    }
  }
  if (opts.full) parts.push(`--transform ${shq(`s,^slapd-${instance},config,`)} -C /etc/dirsrv ${shq(`slapd-${instance}`)}`);
  return `${parts.join(' ')} && rm -rf ${cleanup.join(' ')}`;
}

export function removeCommand(path: string): string {
  return `rm -rf ${shq(path)}`;
}

/** Available bytes on the file system that holds `dir` (POSIX df, 1K blocks). */
export function dfCommand(dir: string): string {
  return `df -Pk ${shq(dir)} | awk 'NR==2 {print $4 * 1024}'`;
}

/**
 * Receives the archive on stdin and unpacks it as it arrives, where the offline tools (running as
 * dirsrv) can read it: a fresh directory under the instance's bak dir, owned by dirsrv. The bytes
 * are hashed on the way (tee into a FIFO read by openssl, sha256sum without it) and the hash is
 * the command's output, so the controller knows the host received exactly what it sent. Upload,
 * unpack and hash overlap: a restore waits for the slowest, not for the three in turn, and the
 * host never stores the tar itself.
 */
export function receiveArchiveCommand(stage: string): string {
  const d = shq(stage);
  const fifo = shq(`${stage}.sha256-fifo`);
  const hash = `{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < ${fifo} | cut -d" " -f1`;
  return [
    `rm -rf ${d} ${fifo} && mkdir -p ${d} && mkfifo -m 600 ${fifo} || exit $?;`,
    `${hash} & tee ${fifo} | tar -xf - -C ${d}; r=$?; wait; rm -f ${fifo};`,
    `if [ $r -eq 0 ]; then chown -R dirsrv:dirsrv ${d} || r=$?; fi; exit $r`,
  ].join(' ');
}
