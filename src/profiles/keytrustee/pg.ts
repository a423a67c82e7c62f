import path from 'node:path';
import { shellQuote as q } from '../../transport/shell-quote.ts';
import type { KtsVars } from './kts-vars.ts';

/**
 * Shell commands against the Key Trustee PostgreSQL cluster, run as root on the host and dropping
 * to the service account (`runuser`), as ktbackup.sh must run as that account. Nothing secret goes
 * in them: the lab and a Key Trustee host authenticate the service account by its Unix socket.
 */

/** PostgreSQL's Unix socket directory on Key Trustee hosts (the lab's too). */
export const SOCKET_DIR = '/tmp';

export const logsDir = (v: KtsVars) => path.posix.join(path.posix.dirname(v.confdir), 'logs');

export function asService(v: KtsVars, argv: string[]): string {
  return `runuser -u ${q(v.serviceUser)} -- ${argv.map(q).join(' ')}`;
}

const bin = (v: KtsVars, tool: string) => path.posix.join(v.pgBindir, tool);

/** psql with one statement; `-At` so results are plain `a|b` lines. */
export function psqlCommand(v: KtsVars, sql: string, db = v.database): string {
  return asService(v, [bin(v, 'psql'), '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', SOCKET_DIR, '-p', String(v.dbPort), '-d', db, '-c', sql]);
}

export function pgCtl(v: KtsVars, verb: 'start' | 'stop' | 'status'): string {
  const base = [bin(v, 'pg_ctl'), '-D', v.pgRootdir];
  if (verb === 'status') return `${asService(v, [...base, 'status'])} >/dev/null 2>&1`;
  if (verb === 'stop') return `if ${pgCtl(v, 'status')}; then ${asService(v, [...base, '-m', 'fast', '-w', '-t', '120', 'stop'])}; fi`;
  return `${pgCtl(v, 'status')} || ${asService(v, [...base, '-l', path.posix.join(logsDir(v), 'postgresql.log'), '-w', '-t', '120', 'start'])} >/dev/null`;
}

/** count, highest id and a digest of every deposit (uuid + sha256 of its payload, in uuid order). */
export const DIGEST_SQL =
  "SELECT count(*) || ' ' || coalesce(max(id), 0) || ' ' || coalesce(md5(string_agg(uuid::text || ':' || encode(sha256(payload), 'hex'), ',' ORDER BY uuid)), '-') FROM deposits";

/** On the active: `state lag` per standby (lag = WAL bytes not yet replayed there), or `none`. */
export const REPLICATION_SQL =
  "SELECT coalesce(string_agg(state || ' ' || pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, ','), 'none') FROM pg_stat_replication";

/** Asked of the passive: `t` when it is a standby. */
export const IN_RECOVERY_SQL = 'SELECT pg_is_in_recovery()';

export interface DepositDigest {
  count: number;
  maxId: number;
  digest: string;
}

export function parseDigest(out: string): DepositDigest {
  const [count, maxId, digest] = out.trim().split(/\s+/);
  if (!count || !maxId || !digest || !/^\d+$/.test(count)) throw new Error(`unexpected deposit digest output: ${JSON.stringify(out.slice(0, 200))}`);
  return { count: Number(count), maxId: Number(maxId), digest };
}

/** The deposits schema of the lab (a stand-in for Key Trustee's own tables). */
export const SCHEMA_SQL =
  'CREATE TABLE IF NOT EXISTS deposits (id bigserial PRIMARY KEY, uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(), owner text NOT NULL, payload bytea NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp())';

export function seedSql(n: number, owner = 'client'): string {
  return `INSERT INTO deposits (owner, payload) SELECT '${owner}' || (g % 7), sha512(g::text::bytea) || sha512((g + 1)::text::bytea) FROM generate_series(1, ${Math.trunc(n)}) g`;
}

/**
 * Base backup of the other server of the pair into this host's empty data directory; `standby`
 * writes standby.signal + primary_conninfo (+ primary_slot_name with `slot`). The source is reached on ITS port as ITS role (host
 * vars may give the two servers different ports).
 */
export function baseBackupCommand(v: KtsVars, from: { address: string; vars: KtsVars }, standby: boolean, slot = ''): string {
  const root = q(v.pgRootdir);
  return [
    `rm -rf ${root}`,
    `install -d -m 700 -o ${q(v.serviceUser)} -g ${q(v.serviceUser)} ${root}`,
    asService(v, [bin(v, 'pg_basebackup'), '-h', from.address, '-p', String(from.vars.dbPort), '-U', from.vars.serviceUser, '-D', v.pgRootdir, '-X', 'stream', '-c', 'fast', ...(standby ? ['-R'] : []), ...(slot ? ['-S', slot] : [])]),
  ].join(' && ');
}

/**
 * Seed 004 "restore the active from the passive": a copy of the passive's database must not carry
 * its standby configuration (recovery.conf before PostgreSQL 12; standby.signal and primary_conninfo
 * from 12 on), or the new active would come up as a second standby.
 */
export function dropStandbyFilesCommand(v: KtsVars): string {
  const root = q(v.pgRootdir);
  return `rm -f ${root}/standby.signal ${root}/recovery.signal ${root}/recovery.conf && if [ -f ${root}/postgresql.auto.conf ]; then sed -i '/^primary_conninfo/d;/^primary_slot_name/d' ${root}/postgresql.auto.conf; fi`;
}

/** Lines added to postgresql.conf: every Key Trustee node can be active or passive. */
export function pgConfLines(port: number): string {
  return [
    `port = ${port}`,
    "listen_addresses = '*'",
    `unix_socket_directories = '${SOCKET_DIR}'`,
    'wal_level = replica',
    'max_wal_senders = 8',
    'hot_standby = on',
    'wal_keep_size = 256MB',
    'fsync = on',
    '',
  ].join('\n');
}
