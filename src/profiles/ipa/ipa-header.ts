/**
 * The `header` file ipa-backup writes beside ipa-full.tar / ipa-data.tar (clear text even when
 * the archive is encrypted). Upstream writes it with Python's ConfigParser (ipa_backup.py
 * create_header): one `[ipa]` section, `key = value` lines for type (FULL|DATA), time (UTC,
 * %Y-%m-%dT%H:%M:%S), host (FQDN), ipa_version, version (format, "1") and services (the cn of
 * every entry under cn=<host>,cn=masters,cn=ipa,cn=etc,<basedn>, comma-separated). ipa-restore
 * reads the same six keys (ipa_restore.py read_header).
 */

export interface IpaBackupHeader {
  type: 'FULL' | 'DATA';
  /** UTC, as written: 2021-01-29T12:14:23 */
  time: string;
  host: string;
  ipaVersion: string;
  formatVersion: string;
  services: string[];
}

export const IPA_HEADER_FORMAT_VERSION = '1';

export class IpaHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpaHeaderError';
  }
}

/** ConfigParser's reading rules for what ipa-backup writes: sections, `=` or `:`, # and ; comments. */
function readIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      current = new Map();
      sections.set(sec[1] as string, current);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv || !current) continue;
    // ConfigParser lower-cases option names.
    current.set((kv[1] as string).toLowerCase(), kv[2] as string);
  }
  return sections;
}

export function parseIpaHeader(text: string, source = 'header'): IpaBackupHeader {
  const ipa = readIni(text).get('ipa');
  if (!ipa) throw new IpaHeaderError(`${source}: no [ipa] section: not an ipa-backup header`);
  const problems: string[] = [];
  const get = (k: string) => {
    const v = ipa.get(k);
    if (v === undefined) problems.push(`missing "${k}"`);
    return v ?? '';
  };
  const type = get('type');
  const time = get('time');
  const host = get('host');
  const ipaVersion = get('ipa_version');
  const formatVersion = get('version');
  const services = get('services');
  if (type && type !== 'FULL' && type !== 'DATA') problems.push(`type must be FULL or DATA (got ${JSON.stringify(type)})`);
  if (time && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(time)) problems.push(`time must be YYYY-MM-DDTHH:MM:SS (got ${JSON.stringify(time)})`);
  if (ipa.has('host') && !host) problems.push('host is empty');
  if (problems.length) throw new IpaHeaderError(`${source}: invalid ipa-backup header: ${problems.join('; ')}`);
  return {
    type: type as 'FULL' | 'DATA',
    time,
    host,
    ipaVersion,
    formatVersion,
    services: services.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** The archive ipa-restore looks for in a backup directory (extract_backup). */
export function archiveName(h: Pick<IpaBackupHeader, 'type'>, encrypted: boolean): string {
  return `ipa-${h.type === 'FULL' ? 'full' : 'data'}.tar${encrypted ? '.gpg' : ''}`;
}

/** Inventory roles and the IdM service entries that prove them (ipa_backup.py check_roles). */
const ROLE_SERVICES: Record<string, string[]> = {
  ca: ['CA'],
  kra: ['KRA'],
  dns: ['DNS', 'DNSKeySync'],
};

/** Inventory service roles (ca, kra, dns) the backed-up host held. */
export function rolesOfServices(services: string[]): string[] {
  return Object.entries(ROLE_SERVICES)
    .filter(([, names]) => names.some((n) => services.includes(n)))
    .map(([role]) => role);
}

export interface IpaRestoreTarget {
  /** The target's FQDN (`hostname -f`), compared with the header's host. */
  fqdn: string;
  /** `ipa --version` / ipapython.version.VERSION of the target. */
  ipaVersion: string;
  /** Service roles (ca, kra, dns) used anywhere in the cluster. */
  clusterRoles: string[];
}

export interface IpaHeaderProblems {
  /** Never restorable (ipa-restore itself would refuse). */
  refuse: string[];
  /** Restorable with force: true (and said in the run's warnings). */
  forceable: string[];
}

/**
 * The checks ipa-restore makes, made before anything changes:
 * - host: ipa-restore refuses any restore on another host ("Host name %s does not match backup
 *   name %s", ipa_restore.py run) — the design page allowed data restores anywhere, the tool never did;
 * - header format version other than 1: unknown layout;
 * - IPA version: ipa-restore asks "Continue to restore?" — here that answer is `force`;
 * - roles: a backup from a host lacking a role used in the cluster cannot restore that role's data
 *   (ipa-backup's own check_roles, seed 002 §5.3) — `force` overrides.
 */
export function ipaHeaderProblems(h: IpaBackupHeader, t: IpaRestoreTarget): IpaHeaderProblems {
  const refuse: string[] = [];
  const forceable: string[] = [];
  if (h.formatVersion !== IPA_HEADER_FORMAT_VERSION) refuse.push(`header format version ${h.formatVersion} is not ${IPA_HEADER_FORMAT_VERSION}`);
  if (h.host.toLowerCase() !== t.fqdn.toLowerCase()) refuse.push(`the backup was taken on ${h.host}, this host is ${t.fqdn}: ipa-restore restores only on the host that made the backup`);
  if (h.ipaVersion !== t.ipaVersion) forceable.push(`the backup is IPA ${h.ipaVersion}, the host runs ${t.ipaVersion}`);
  const held = rolesOfServices(h.services);
  const missing = t.clusterRoles.filter((r) => ROLE_SERVICES[r] && !held.includes(r));
  if (missing.length) forceable.push(`the backup host ${h.host} lacked role(s) ${missing.join(', ')} used in the cluster (services: ${h.services.join(',') || 'none'}): their data is not in it`);
  return { refuse, forceable };
}
