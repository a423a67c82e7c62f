import type { Action, ActionContext, ActionResult, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import type { Inventory, InventoryHost } from '../../../../inventory/types.ts';
import { instanceName, ldapPort, mainSuffixes } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import { ldapiPingCommand, waitForLdapiCommand } from '../ldapi-wait.ts';
import { BDB_CONFIG, backendDn, cacheChanges, cacheEditCommand, checkCachesApplied, describeCaches, fixedCaches, peerCachesCommand, type CacheSettings } from './cache-settings.ts';
import { cachePeers, settingsFromPeers } from './peer-caches.ts';
import { endOf, mustExec } from './remote-step.ts';
import { checkDmPasswordOnPeers, planDmPasswordCheck } from './dm-password-check.ts';

/**
 * Creates the host's 389-ds instance with dscreate. The inf (it holds the Directory Manager
 * password) goes on stdin into a 0600 temp file that is removed whatever happens: dscreate refuses
 * a pipe. The instance is created stopped, its caches set in dse.ldif (like its peers', or the
 * sizes given: 389-ds's autotuning takes GBs per instance here), then started once; a restart to
 * apply them cost ~4 s (the stop alone 2.6 s).
 *
 * Crash safety: dscreate and the first start take 10-30 s, and a run stopped there (controller
 * killed, Ctrl-C, host powered off) leaves a half-made instance that a plain "the directory exists"
 * check took as done (measured: the resumed run then failed at the next step, nothing answering
 * on LDAPI). So a marker file holding the creating shell's process group is written right before
 * dscreate and removed only once the instance answers with its caches; a later run that finds the
 * marker stops what is left of that group and removes the half-made instance before creating it again.
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

/** Present from right before dscreate until the new instance answers with its caches set. */
export function creatingMarker(instance: string): string {
  return `/var/lib/dirsrv/.lifeboat-creating-slapd-${instance}`;
}

/** The marker holds this shell's pid, which is its process group (the transport runs each command under setsid). */
export function dscreateCommand(instance: string): string {
  const marker = shq(creatingMarker(instance));
  return `umask 077; mkdir -p /var/lib/dirsrv && echo $$ > ${marker} || exit 1; f=$(mktemp) || exit 1; cat > "$f"; dscreate from-file "$f"; rc=$?; rm -f "$f"; exit $rc`;
}

/** Prints `absent`, `half-made` (an earlier create did not finish) or `exists`. */
export function stateCommand(instance: string): string {
  return `if [ -e ${shq(creatingMarker(instance))} ]; then echo half-made; elif [ -d ${shq(`/etc/dirsrv/slapd-${instance}`)} ]; then echo exists; else echo absent; fi`;
}

/**
 * Removes what an unfinished create left: whatever still runs in the marker's process group
 * (TERM, then KILL), the instance (dsctl remove; its files by hand when dsctl cannot read a
 * half-written dse.ldif), then the marker.
 */
export function removeHalfMadeCommand(instance: string): string {
  const marker = shq(creatingMarker(instance));
  const dirs = [`/etc/dirsrv/slapd-${instance}`, `/var/lib/dirsrv/slapd-${instance}`, `/var/log/dirsrv/slapd-${instance}`, `/run/lock/dirsrv/slapd-${instance}`, `/run/dirsrv/slapd-${instance}.pid`, `/run/slapd-${instance}.socket`].map(shq).join(' ');
  return [
    `g=$(cat ${marker} 2>/dev/null); case "$g" in ''|*[!0-9]*) g= ;; esac`,
    'if [ -n "$g" ] && kill -0 -"$g" 2>/dev/null; then kill -TERM -"$g" 2>/dev/null; i=0; while [ $i -lt 50 ] && kill -0 -"$g" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL -"$g" 2>/dev/null; fi',
    `dsctl ${shq(instance)} remove --do-it >/dev/null 2>&1 || { p=$(cat /run/dirsrv/slapd-${instance}.pid 2>/dev/null) && kill -KILL "$p" 2>/dev/null; true; }`,
    `rm -rf ${dirs} && rm -f ${marker}`,
  ].join('; ');
}

function doneCommand(instance: string): string {
  return `rm -f ${shq(creatingMarker(instance))}`;
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

type InstanceState = 'absent' | 'half-made' | 'exists';

/** Anything but one of the three answers is an error rather than a guess. */
async function instanceState(remote: RemoteHost, inst: string, signal: AbortSignal): Promise<InstanceState> {
  const r = await remote.exec(stateCommand(inst), { signal });
  const said = r.stdout.trim();
  if (r.code === 0 && (said === 'absent' || said === 'half-made' || said === 'exists')) return said;
  throw new ActionError(`${remote.name}: cannot tell whether slapd-${inst} exists (${endOf(r)})`, { stderr: r.stderr });
}

/**
 * A whole instance found (an earlier run created it; this unit's end was not recorded): it must
 * answer, so a host that was powered off since gets its server started, not a next step that fails.
 */
async function ensureRunning(ctx: ActionContext, remote: RemoteHost, inst: string): Promise<ActionResult> {
  if ((await remote.exec(ldapiPingCommand(inst), { signal: ctx.signal })).code === 0) return { changed: false, summary: `instance slapd-${inst} exists` };
  ctx.emit({ kind: 'progress', message: `slapd-${inst} exists but does not answer: starting it` });
  await mustExec(remote, 'preparing /run/dirsrv', runDirsCommand(inst), { signal: ctx.signal });
  await mustExec(remote, 'starting the existing instance', startCommand(inst), { signal: ctx.signal, timeoutMs: 180_000 });
  await waitForLdapi(ctx, remote, inst, 'started');
  return { changed: true, summary: `instance slapd-${inst} exists; it did not answer, started it` };
}

async function waitForLdapi(ctx: ActionContext, remote: RemoteHost, inst: string, what: string): Promise<void> {
  const waitS = Number(ctx.args.wait_s ?? 120);
  const w = await remote.exec(waitForLdapiCommand(inst, waitS), { signal: ctx.signal, timeoutMs: (waitS + 10) * 1000 });
  if (w.code !== 0) throw new ActionError(`${ctx.host.name}: slapd-${inst} was ${what} but did not answer on LDAPI within ${waitS} s`);
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
      { host, command: stateCommand(inst), note: 'exists: only started if it does not answer, nothing below; half-made (an earlier create did not finish): removed first' },
      { host, command: removeHalfMadeCommand(inst), note: 'only when half-made' },
      ...(peers[0] && suffix ? [{ host: peers[0].name, command: peerCachesCommand(instanceName(ctx.inventory, peers[0]), suffix), note: `on ${peers[0].name}: its cache settings, which ${host} copies${peers.length > 1 ? ` (else from the next that answers: ${peers.slice(1).map((p) => p.name).join(', ')})` : ''}` }] : []),
      ...(suffix ? planDmPasswordCheck(ctx, peers) : []),
      { host, command: runDirsCommand(inst) },
      { host, command: dscreateCommand(inst), stdin: `inf for slapd-${inst} (root_password ***; start = False)`, note: `writes ${creatingMarker(inst)} first` },
      {
        host,
        command: edit,
        note: given ? describeCaches(given) : peers[0] ? `the peer's values (autosize, split; when fixed: db, entry and dn cache sizes)` : 'no peer holds the suffix: left to the server (skipped)',
      },
      { host, command: startCommand(inst) },
      { host, command: waitForLdapiCommand(inst, Number(ctx.args.wait_s ?? 120)), note: 'then the cache settings are read back' },
      { host, command: doneCommand(inst), note: 'the instance is whole' },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    const state = await instanceState(remote, inst, ctx.signal);
    if (state === 'exists') return ensureRunning(ctx, remote, inst);
    const [suffix] = mainSuffixes(ctx.inventory, ctx.host);
    // Read before anything is created: a peer that cannot be read changes nothing here.
    const caches = givenSizes(ctx) ?? (await settingsFromPeers(ctx, suffix));
    const password = await ctx.secret(String(ctx.args.dm_password_secret));
    if (suffix && !givenSizes(ctx)) await checkDmPasswordOnPeers(ctx, cachePeers(ctx, suffix), password);
    if (state === 'half-made') {
      ctx.emit({ kind: 'warning', message: `slapd-${inst} was left half-made by a create that did not finish (${creatingMarker(inst)}): removing it and creating it again` });
      await mustExec(remote, 'removing the half-made instance', removeHalfMadeCommand(inst), { signal: ctx.signal, timeoutMs: 120_000 });
    }
    // dscreate takes 10-30 s: the live view says which part is running, not only a spinner.
    ctx.emit({ kind: 'progress', message: `creating slapd-${inst} with dscreate` });
    await mustExec(remote, 'preparing /run/dirsrv', runDirsCommand(inst), { signal: ctx.signal });
    await mustExec(remote, 'dscreate', dscreateCommand(inst), { stdin: infText(ctx.inventory, ctx.host, password), signal: ctx.signal, timeoutMs: 300_000 });
    const backend = backendDn(backendName(suffix ?? '', 0));
    const changes = typeof caches === 'string' ? {} : cacheChanges(caches, backend);
    ctx.emit({ kind: 'progress', message: `${typeof caches === 'string' ? 'starting' : `setting its caches (${describeCaches(caches)}) and starting`} slapd-${inst}` });
    if (Object.keys(changes).length) await mustExec(remote, 'setting the caches in dse.ldif', cacheEditCommand(inst, changes), { signal: ctx.signal });
    await mustExec(remote, 'starting the new instance', startCommand(inst), { signal: ctx.signal, timeoutMs: 180_000 });
    await waitForLdapi(ctx, remote, inst, 'created and started');
    if (suffix && Object.keys(changes).length) await checkCachesApplied(remote, inst, suffix, changes, ctx.signal);
    await mustExec(remote, 'marking the instance whole', doneCommand(inst), { signal: ctx.signal });
    if (typeof caches === 'string') ctx.emit({ kind: 'progress', message: `caches left to the server's autotuning: ${caches}` });
    return { changed: true, summary: `created slapd-${inst} (${typeof caches === 'string' ? `caches autotuned by the server: ${caches}` : describeCaches(caches)})` };
  },
};
