import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { instanceName, ldapPort, mainSuffixes } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import { waitForLdapiCommand } from '../ldapi-wait.ts';
import { BDB_CONFIG, backendDn, cacheChanges, cacheEditCommand, checkCachesApplied, describeCaches, fixedCaches, peerCachesCommand, type CacheSettings } from './cache-settings.ts';
import { cachePeers, settingsFromPeers } from './peer-caches.ts';
import { mustExec } from './remote-step.ts';
import { checkDmPasswordOnPeers, planDmPasswordCheck } from './dm-password-check.ts';

/**
 * Creates the host's 389-ds instance with dscreate. The inf (it holds the Directory Manager
 * password) goes on stdin into a 0600 temp file that is removed whatever happens: dscreate refuses
 * a pipe. The instance is created stopped, its caches set in dse.ldif (like its peers', or the
 * sizes given: 389-ds's autotuning takes GBs per instance here), then started once; a restart to
 * apply them cost ~4 s (the stop alone 2.6 s).
 */

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
    // Started by instance.create once its caches are set.
    'start = False',
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

function startCommand(instance: string): string {
  return `dsctl ${shq(instance)} start`;
}

/** The sizes the step was given, if any (both default to 32 MiB when only one is given). */
function givenSizes(ctx: ActionContext): CacheSettings | undefined {
  const { db_cache_mb: db, entry_cache_mb: entry } = ctx.args;
  if (db === undefined && entry === undefined) return undefined;
  return fixedCaches(Number(db ?? 32), Number(entry ?? 32));
}

/** 0 = exists, 1 = absent; anything else is an error rather than a guess. */
async function instanceExists(remote: RemoteHost, inst: string, signal: AbortSignal): Promise<boolean> {
  const r = await remote.exec(existsCommand(inst), { signal });
  if (r.code === 0 || r.code === 1) return r.code === 0;
  throw new ActionError(`${remote.name}: cannot tell whether slapd-${inst} exists (exit ${r.code})`, { stderr: r.stderr });
}

export const instanceCreate: Action = {
  name: 'instance.create',
  description: 'Create the 389-ds instance (dscreate from an inf on stdin), its caches sized like its peers\' (or as given) before its first start',
  args: {
    db_cache_mb: { type: 'number', description: 'nsslapd-dbcachesize in MiB, autosize off (default: like the peers)' },
    dm_password_secret: { type: 'string', default: 'dm_password', secretSource: 'inventory', description: 'inventory secret holding the Directory Manager password of the new instance (given to dscreate on stdin)' },
    entry_cache_mb: { type: 'number', description: 'Entry cache (nsslapd-cachememsize) of the main backend, MiB (default: like the peers)' },
    wait_s: { type: 'number', default: 120, description: 'How long the new server may take to answer on LDAPI after its start' },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const host = ctx.host.name;
    const [suffix] = mainSuffixes(ctx.inventory, ctx.host);
    const given = givenSizes(ctx);
    const peers = given || !suffix ? [] : cachePeers(ctx, suffix);
    const backend = backendDn(backendName(suffix ?? '', 0));
    const edit = given
      ? cacheEditCommand(inst, cacheChanges(given, backend))
      : cacheEditCommand(inst, { [BDB_CONFIG]: { 'nsslapd-cache-autosize': '<peer>' }, [backend]: { 'nsslapd-cachememsize': '<peer>' } });
    return [
      { host, command: existsCommand(inst), note: 'skip everything below when the instance exists' },
      ...(peers[0] && suffix ? [{ host: peers[0].name, command: peerCachesCommand(instanceName(ctx.inventory, peers[0]), suffix), note: `on ${peers[0].name}: its cache settings, which ${host} copies${peers.length > 1 ? ` (else from the next that answers: ${peers.slice(1).map((p) => p.name).join(', ')})` : ''}` }] : []),
      ...(suffix ? planDmPasswordCheck(ctx, peers) : []),
      { host, command: runDirsCommand(inst) },
      { host, command: dscreateCommand(), stdin: `inf for slapd-${inst} (root_password ***; start = False)` },
      {
        host,
        command: edit,
        note: given ? describeCaches(given) : peers[0] ? `the peer's values (autosize, split; when fixed: db, entry and dn cache sizes)` : 'no peer holds the suffix: left to the server (skipped)',
      },
      { host, command: startCommand(inst) },
      { host, command: waitForLdapiCommand(inst, Number(ctx.args.wait_s ?? 120)), note: 'then the cache settings are read back' },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    if (await instanceExists(remote, inst, ctx.signal)) return { changed: false, summary: `instance slapd-${inst} exists` };
    const [suffix] = mainSuffixes(ctx.inventory, ctx.host);
    // Read before anything is created: a peer that cannot be read changes nothing here.
    const caches = givenSizes(ctx) ?? (await settingsFromPeers(ctx, suffix));
    const password = await ctx.secret(String(ctx.args.dm_password_secret));
    if (suffix && !givenSizes(ctx)) await checkDmPasswordOnPeers(ctx, cachePeers(ctx, suffix), password);
    // dscreate takes 10-30 s: the live view says which part is running, not only a spinner.
    ctx.emit({ kind: 'progress', message: `creating slapd-${inst} with dscreate` });
    await mustExec(remote, 'preparing /run/dirsrv', runDirsCommand(inst), { signal: ctx.signal });
    await mustExec(remote, 'dscreate', dscreateCommand(), { stdin: infText(ctx.inventory, ctx.host, password), signal: ctx.signal, timeoutMs: 300_000 });
    const backend = backendDn(backendName(suffix ?? '', 0));
    const changes = typeof caches === 'string' ? {} : cacheChanges(caches, backend);
    ctx.emit({ kind: 'progress', message: `${typeof caches === 'string' ? 'starting' : `setting its caches (${describeCaches(caches)}) and starting`} slapd-${inst}` });
    if (Object.keys(changes).length) await mustExec(remote, 'setting the caches in dse.ldif', cacheEditCommand(inst, changes), { signal: ctx.signal });
    await mustExec(remote, 'starting the new instance', startCommand(inst), { signal: ctx.signal, timeoutMs: 180_000 });
    const waitS = Number(ctx.args.wait_s ?? 120);
    const w = await remote.exec(waitForLdapiCommand(inst, waitS), { signal: ctx.signal, timeoutMs: (waitS + 10) * 1000 });
    if (w.code !== 0) throw new ActionError(`${ctx.host.name}: slapd-${inst} was created and started but did not answer on LDAPI within ${waitS} s`);
    if (suffix && Object.keys(changes).length) await checkCachesApplied(remote, inst, suffix, changes, ctx.signal);
    if (typeof caches === 'string') ctx.emit({ kind: 'progress', message: `caches left to the server's autotuning: ${caches}` });
    return { changed: true, summary: `created slapd-${inst} (${typeof caches === 'string' ? `caches autotuned by the server: ${caches}` : describeCaches(caches)})` };
  },
};
