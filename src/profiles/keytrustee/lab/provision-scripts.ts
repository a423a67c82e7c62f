import { shellQuote as q } from '../../../transport/shell-quote.ts';
import type { KtsVars } from '../kts-vars.ts';
import { DIGEST_SQL, SCHEMA_SQL, asService, baseBackupCommand, logsDir, pgConfLines, pgCtl, psqlCommand, seedSql } from '../pg.ts';

/**
 * Shell scripts that make a lab host look like an installed Key Trustee Server: the service
 * account's directories, a PostgreSQL 15 cluster on db_port, a configuration directory with
 * keytrustee.conf and a GPG keyring. (Cloudera's daemon itself is not installable here.)
 */

function dirs(v: KtsVars): string {
  const u = q(v.serviceUser);
  return [
    `install -d -m 755 -o ${u} -g ${u} ${q(logsDir(v))}`,
    `chown ${u}:${u} $(dirname ${q(v.confdir)})`,
    `install -d -m 700 -o ${u} -g ${u} ${q(v.confdir)} ${q(v.confdir)}/.ssl`,
  ].join('\n');
}

/** keytrustee.conf, logging.conf, a keyring of its own, a stand-in TLS pair and pid file (seed 004's tar listing). */
export function confdirScript(v: KtsVars, host: string, fqdn: string, role: string): string {
  const c = q(v.confdir);
  return [
    'set -eu',
    dirs(v),
    `cat > ${c}/keytrustee.conf <<'EOF'
# Stand-in for Cloudera Key Trustee Server's keytrustee.conf (the daemon is not installable here).
[server]
hostname = ${fqdn}
role = ${role}
db_port = ${v.dbPort}
pg_rootdir = ${v.pgRootdir}
EOF`,
    `printf '[loggers]\\nkeys=root\\n' > ${c}/logging.conf`,
    `printf 'stand-in certificate of ${host}\\n' > ${c}/.ssl/ssl-cert-keytrustee.pem`,
    `printf 'stand-in private key of ${host}\\n' > ${c}/.ssl/ssl-cert-keytrustee-pk.pem`,
    `echo $$ > ${c}/keytrustee.pid`,
    `chown -R ${q(v.serviceUser)}: ${c} && chmod 600 ${c}/keytrustee.conf ${c}/.ssl/*`,
    // The server's own OpenPGP key, as Key Trustee keeps one in its confdir.
    `${asService(v, ['env', `GNUPGHOME=${v.confdir}`, 'gpg', '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `Key Trustee Server ${host} <keytrustee@${fqdn}>`, 'ed25519', 'sign', 'never'])} 2>/dev/null`,
    `${asService(v, ['env', `GNUPGHOME=${v.confdir}`, 'gpgconf', '--kill', 'gpg-agent'])} || true`,
  ].join('\n');
}

/** The active: initdb, the keytrustee database with N deposits. Prints the deposit digest. */
export function activeScript(v: KtsVars, deposits: number): string {
  const root = q(v.pgRootdir);
  return [
    'set -eu',
    dirs(v),
    `install -d -m 700 -o ${q(v.serviceUser)} -g ${q(v.serviceUser)} ${root}`,
    `${asService(v, [`${v.pgBindir}/initdb`, '-D', v.pgRootdir, '-U', v.serviceUser, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'])} >/dev/null`,
    `cat >> ${root}/postgresql.conf <<'EOF'\n${pgConfLines(v.dbPort)}EOF`,
    `echo 'host replication ${v.serviceUser} 10.213.0.0/16 trust' >> ${root}/pg_hba.conf`,
    `echo 'host all ${v.serviceUser} 10.213.0.0/16 trust' >> ${root}/pg_hba.conf`,
    pgCtl(v, 'start'),
    psqlCommand(v, `CREATE DATABASE ${v.database}`, 'postgres'),
    psqlCommand(v, SCHEMA_SQL),
    ...(deposits > 0 ? [psqlCommand(v, seedSql(deposits))] : []),
    psqlCommand(v, DIGEST_SQL),
  ].join('\n');
}

/** The passive: a streaming standby of the active (pg_basebackup -R). */
export function passiveScript(v: KtsVars, activeAddress: string): string {
  return ['set -eu', dirs(v), baseBackupCommand(v, { address: activeAddress, vars: v }, true), pgCtl(v, 'start')].join('\n');
}
