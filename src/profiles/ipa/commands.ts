import { ActionError } from '../../actions/types.ts';

/**
 * The exact command lines of FreeIPA's own tools, built by pure functions so `plan` shows what
 * `run` executes. Options are the ones upstream's option parsers define (freeipa/freeipa:
 * ipaserver/install/ipa_backup.py add_options, ipa_restore.py add_options,
 * install/tools/ipa-replica-manage.in and ipa-csreplica-manage.in parse_options).
 *
 * No builder ever takes a password: every tool here that needs the Directory Manager password
 * reads it from stdin when stdin is not a terminal (installutils.get_password), so it goes there.
 */

/** Where ipa-backup writes and ipa-restore looks for relative names (ipaplatform paths.IPA_BACKUP_DIR). */
export const IPA_BACKUP_DIR = '/var/lib/ipa/backup';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: bare when it cannot be misread, single-quoted otherwise. */
export function word(w: string): string {
  return SAFE_WORD.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The command line of an argv, with optional environment assignments in front (`GNUPGHOME=… ipa-backup`). */
export function commandLine(argv: string[], env: Record<string, string> = {}): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${word(v)}`), ...argv.map(word)].join(' ');
}

export type IpactlVerb = 'start' | 'stop' | 'restart' | 'status';
export function ipactl(verb: IpactlVerb): string[] {
  return ['ipactl', verb];
}

export interface IpaBackupOptions {
  /** --data: LDAP data and changelog only (default: full server backup). */
  data?: boolean;
  /** --online: data only, services stay up. */
  online?: boolean;
  /** --logs: include the service logs (full backups only). */
  logs?: boolean;
  /** --gpg: encrypt ipa-{full,data}.tar for the default key of GNUPGHOME. */
  gpg?: boolean;
  /** --disable-role-check: back up a host lacking a role used in the cluster. */
  disableRoleCheck?: boolean;
}

/** ipa-backup's own refusals (ipa_backup.py validate_options), raised before anything runs. */
export function ipaBackup(o: IpaBackupOptions): string[] {
  if (o.online && !o.data) throw new ActionError('ipa-backup: online requires data ("You cannot specify --online without --data")');
  if (o.data && o.logs) throw new ActionError('ipa-backup: logs cannot be combined with data ("You cannot specify --data with --logs")');
  return [
    'ipa-backup',
    ...(o.data ? ['--data'] : []),
    ...(o.online ? ['--online'] : []),
    ...(o.logs ? ['--logs'] : []),
    ...(o.gpg ? ['--gpg'] : []),
    ...(o.disableRoleCheck ? ['--disable-role-check'] : []),
  ];
}

/** ipa-backup has no recipient option: it encrypts for the default key of GNUPGHOME (--default-recipient-self). */
export function ipaBackupEnv(gpgHome?: string): Record<string, string> {
  return gpgHome ? { GNUPGHOME: gpgHome } : {};
}

export interface IpaRestoreOptions {
  /** The backup directory (absolute, or a name under /var/lib/ipa/backup). */
  dir: string;
  data?: boolean;
  online?: boolean;
  instance?: string;
  backend?: string;
  noLogs?: boolean;
}

/**
 * ipa-restore without -p and without -U: -p would put the password in argv, and -U skips the
 * password prompt altogether ("Directory Manager password required"). The answers go on stdin
 * (see ipaRestoreStdin). `full` is the backup's type, for ipa-restore's own refusals.
 */
export function ipaRestore(o: IpaRestoreOptions, backupType: 'FULL' | 'DATA'): string[] {
  const restoreType = o.data ? 'DATA' : backupType;
  if (restoreType === 'FULL' && o.online) throw new ActionError('ipa-restore: a full restore cannot be online ("File restoration cannot be done online"); add data: true');
  if (restoreType === 'FULL' && (o.instance || o.backend)) {
    throw new ActionError('ipa-restore: instance/backend need a data restore ("Restore must be in data-only mode when restoring a specific instance or backend"); add data: true');
  }
  return [
    'ipa-restore',
    ...(o.data ? ['--data'] : []),
    ...(o.online ? ['--online'] : []),
    ...(o.instance ? [`--instance=${o.instance}`] : []),
    ...(o.backend ? [`--backend=${o.backend}`] : []),
    ...(o.noLogs ? ['--no-logs'] : []),
    o.dir,
  ];
}

/**
 * What ipa-restore reads, in its order (ipa_restore.py): the DM password when /etc/ipa/default.conf
 * exists (ask_for_options), "Continue to restore?" when the IPA versions differ, then "Restoring
 * data will overwrite existing live data. Continue to restore?". Sending a password to a host
 * without default.conf would answer the first question with it, so the caller says which apply.
 */
export function ipaRestoreStdin(password: string, o: { configured: boolean; versionDiffers: boolean }): string {
  return [...(o.configured ? [password] : []), ...(o.versionDiffers ? ['yes'] : []), 'yes', ''].join('\n');
}
export function ipaRestoreStdinNote(o: { configured: boolean; versionDiffers: boolean }): string {
  return [...(o.configured ? ['Directory Manager password ***'] : []), ...(o.versionDiffers ? ['"yes" (other IPA version)'] : []), '"yes" (overwrite live data)'].join(', ');
}

/** Run on the host being re-initialized; asks for the DM password unless a Kerberos ticket works. */
export function replicaManageReinit(from: string): string[] {
  return ['ipa-replica-manage', 're-initialize', `--from=${from}`];
}
/** The CA suffix (o=ipaca) has its own tool; always asks for the DM password. */
export function csreplicaManageReinit(from: string): string[] {
  return ['ipa-csreplica-manage', 're-initialize', `--from=${from}`];
}
export function replicaManageList(host?: string): string[] {
  return ['ipa-replica-manage', 'list', ...(host ? [host] : [])];
}
export function csreplicaManageList(host?: string): string[] {
  return ['ipa-csreplica-manage', 'list', ...(host ? [host] : [])];
}
/** Makes `host` the CA renewal master (DM password on stdin). */
export function csreplicaSetRenewalMaster(host: string): string[] {
  return ['ipa-csreplica-manage', 'set-renewal-master', host];
}
/** The managed topology's segments of one suffix (`domain` or `ca`); needs a Kerberos ticket. */
export function topologySegmentFind(suffix: 'domain' | 'ca'): string[] {
  return ['ipa', 'topologysegment-find', suffix, '--all'];
}
/** Servers holding a role (e.g. "CA server", "KRA server", "DNS server"); needs a Kerberos ticket. */
export function serverRoleFind(role?: string): string[] {
  return ['ipa', 'server-role-find', '--status=enabled', ...(role ? [`--role=${role}`] : [])];
}

/** Every tool a profile-ipa host must have, checked before anything changes. */
export const IPA_TOOLS = ['ipactl', 'ipa-backup', 'ipa-restore', 'ipa-replica-manage', 'ipa-csreplica-manage'] as const;

/** Prints `name<TAB>path` for each tool found, `name<TAB>` for each missing; always exit 0. */
export function toolsCheckCommand(tools: readonly string[]): string {
  return `for t in ${tools.join(' ')}; do printf '%s\\t%s\\n' "$t" "$(command -v "$t" || true)"; done`;
}

/** The secret keys of a GnuPG home, machine-readable; the first `sec` is what --default-recipient-self picks. */
export function gpgSecretKeys(home: string): string[] {
  return ['gpg', '--homedir', home, '--batch', '--with-colons', '--list-secret-keys'];
}

/** The fingerprint of the first secret key in `gpg --with-colons --list-secret-keys` output. */
export function firstSecretFingerprint(colons: string): string | undefined {
  const lines = colons.split('\n');
  const sec = lines.findIndex((l) => l.startsWith('sec:'));
  if (sec < 0) return undefined;
  const fpr = lines.slice(sec + 1).find((l) => l.startsWith('fpr:'));
  return fpr?.split(':')[9]?.toUpperCase();
}

/** Packs an ipa-backup directory for the controller (root-only, removed once fetched). */
export function packIpaBackup(dirName: string, tar: string): string[] {
  return ['tar', '-cf', tar, '-C', IPA_BACKUP_DIR, dirName];
}
/** Unpacks it where ipa-restore looks for relative names. */
export function unpackIpaBackup(tar: string): string[] {
  return ['tar', '-xf', tar, '-C', IPA_BACKUP_DIR];
}
/** The line ipa-backup logs last: "Backed up to /var/lib/ipa/backup/ipa-data-…". */
export function backedUpDir(output: string): string | undefined {
  return /Backed up to (\/\S+)/.exec(output)?.[1];
}
/** CRL generation on the local server: `status` prints "CRL generation: enabled|disabled"; `enable` restarts Dogtag and Apache. */
export function crlgenManage(verb: 'status' | 'enable'): string[] {
  return ['ipa-crlgen-manage', verb];
}
/** The state `ipa-crlgen-manage status` printed, or undefined when it printed none. */
export function crlgenState(stdout: string): 'enabled' | 'disabled' | undefined {
  const m = /^CRL generation:\s*(enabled|disabled)\s*$/im.exec(stdout);
  return m ? (m[1]!.toLowerCase() as 'enabled' | 'disabled') : undefined;
}
