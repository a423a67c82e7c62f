import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { instanceName, ldapPort, mainSuffixes } from '../host-vars.ts';
import { ldapModify, modifyCommand, shq } from '../ldap.ts';
import { replaceRecord, joinRecords } from '../replication/ldif-build.ts';
import { mustExec } from './remote-step.ts';

/**
 * Creates the host's 389-ds instance with dscreate. The inf (it holds the Directory Manager
 * password) goes on stdin into a 0600 temp file that is removed whatever happens: dscreate refuses
 * a pipe. Caches are then fixed small (autotuning takes GBs per instance) and the server restarted
 * so they apply.
 */

const MB = 1024 * 1024;
const BDB_CONFIG = 'cn=bdb,cn=config,cn=ldbm database,cn=plugins,cn=config';

export function backendName(suffix: string, index: number): string {
  return index === 0 ? 'userroot' : suffix.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20) || `backend${index}`;
}

export function hostFqdn(host: InventoryHost): string {
  const v = host.vars.fqdn ?? host.vars.hostname;
  return typeof v === 'string' && v ? v : host.address;
}

export function infText(inv: Inventory, host: InventoryHost, password: string): string {
  const [suffix] = mainSuffixes(inv, host);
  const lines = [
    '[general]',
    `full_machine_name = ${hostFqdn(host)}`,
    'strict_host_checking = False',
    'start = True',
    '[slapd]',
    `instance_name = ${instanceName(inv, host)}`,
    `root_password = ${password}`,
    `port = ${ldapPort(inv, host)}`,
    'secure_port = 636',
    'self_sign_cert = False',
  ];
  if (suffix) lines.push('[backend-userroot]', `suffix = ${suffix}`, 'create_suffix_entry = True', 'sample_entries = no');
  return `${lines.join('\n')}\n`;
}

/** ns-slapd refuses to start without its lock directory; a host without systemd-tmpfiles lacks it. */
export function runDirsCommand(instance: string): string {
  const lock = shq(`/run/lock/dirsrv/slapd-${instance}`);
  return `mkdir -p /run/dirsrv ${lock} && chown dirsrv:dirsrv /run/dirsrv /run/lock/dirsrv ${lock}`;
}

export function dscreateCommand(): string {
  return 'umask 077; f=$(mktemp) || exit 1; cat > "$f"; dscreate from-file "$f"; rc=$?; rm -f "$f"; exit $rc';
}

export function existsCommand(instance: string): string {
  return `test -d ${shq(`/etc/dirsrv/slapd-${instance}`)}`;
}

/** One LDIF stream: autosize off first (its own record), then the fixed sizes. */
export function cacheLdif(dbCacheMb: number, entryCacheMb: number): string {
  return joinRecords([
    replaceRecord(BDB_CONFIG, 'nsslapd-cache-autosize', ['0']),
    replaceRecord(BDB_CONFIG, 'nsslapd-dbcachesize', [String(dbCacheMb * MB)]),
    replaceRecord('cn=userroot,cn=ldbm database,cn=plugins,cn=config', 'nsslapd-cachememsize', [String(entryCacheMb * MB)]),
  ]);
}

function restartCommand(instance: string): string {
  return `dsctl ${shq(instance)} restart`;
}

function sizes(ctx: ActionContext): { db: number; entry: number } {
  return { db: Number(ctx.args.db_cache_mb ?? 32), entry: Number(ctx.args.entry_cache_mb ?? 32) };
}

/** 0 = exists, 1 = absent; anything else is an error rather than a guess. */
async function instanceExists(remote: RemoteHost, inst: string, signal: AbortSignal): Promise<boolean> {
  const r = await remote.exec(existsCommand(inst), { signal });
  if (r.code === 0 || r.code === 1) return r.code === 0;
  throw new ActionError(`${remote.name}: cannot tell whether slapd-${inst} exists (exit ${r.code})`, { stderr: r.stderr });
}

export const instanceCreate: Action = {
  name: 'instance.create',
  description: 'Create the 389-ds instance (dscreate from an inf on stdin) with small fixed caches',
  args: {
    db_cache_mb: { type: 'number', default: 32, description: 'nsslapd-dbcachesize in MiB (autosize off)' },
    dm_password_secret: { type: 'string', default: 'dm_password', secretSource: 'inventory', description: 'inventory secret holding the Directory Manager password of the new instance (given to dscreate on stdin)' },
    entry_cache_mb: { type: 'number', default: 32, description: 'Entry cache (nsslapd-cachememsize) of the main backend, MiB' },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const host = ctx.host.name;
    const { db, entry } = sizes(ctx);
    return [
      { host, command: existsCommand(inst), note: 'skip everything below when the instance exists' },
      { host, command: runDirsCommand(inst) },
      { host, command: dscreateCommand(), stdin: `inf for slapd-${inst} (root_password ***)` },
      { host, command: modifyCommand(inst), stdin: `LDIF: cache-autosize 0, dbcachesize ${db} MiB, userroot cachememsize ${entry} MiB` },
      { host, command: restartCommand(inst) },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    if (await instanceExists(remote, inst, ctx.signal)) return { changed: false, summary: `instance slapd-${inst} exists` };
    const password = await ctx.secret(String(ctx.args.dm_password_secret));
    // dscreate takes 10-30 s: the live view says which part is running, not only a spinner.
    ctx.emit({ kind: 'progress', message: `creating slapd-${inst} with dscreate` });
    await mustExec(remote, 'preparing /run/dirsrv', runDirsCommand(inst), { signal: ctx.signal });
    await mustExec(remote, 'dscreate', dscreateCommand(), { stdin: infText(ctx.inventory, ctx.host, password), signal: ctx.signal, timeoutMs: 300_000 });
    const { db, entry } = sizes(ctx);
    ctx.emit({ kind: 'progress', message: `setting fixed caches (db ${db} MiB, entry ${entry} MiB) and restarting slapd-${inst}` });
    await ldapModify(remote, inst, cacheLdif(db, entry), { signal: ctx.signal });
    await mustExec(remote, 'restart after cache settings', restartCommand(inst), { signal: ctx.signal, timeoutMs: 120_000 });
    return { changed: true, summary: `created slapd-${inst} (db cache ${db} MiB, entry cache ${entry} MiB)` };
  },
};
