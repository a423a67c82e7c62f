import path from 'node:path';
import { existsSync } from 'node:fs';
import { readEnvelope, resolveBackupRoot, sha256File, type BackupEnvelope } from '../../../backup/index.ts';
import { latestVerifiedBackup, skippedText } from '../../../backup/latest.ts';
import { latestGoodBackup } from '../../../backup/latest-good.ts';
import { archiveLayoutIpa, checkIpaBackupBody, isIpaBackupBody, type IpaBackupBody } from '../backup-body.ts';
import { clusterServiceRoles } from '../../389ds/actions/backup/role-check.ts';
import { ActionError, type ActionContext } from '../../../actions/types.ts';
import type { RemoteHost } from '../../../transport/types.ts';
import { dfCommand } from '../../389ds/actions/backup/commands.ts';
import { sh } from '../../389ds/actions/backup/host-steps.ts';
import { fqdnOf, ipaFacts, type IpaHostFacts } from '../host-facts.ts';
import { ipaHeaderProblems } from '../ipa-header.ts';

const bool = (v: unknown) => v === true || v === 'true';
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

export interface RestoreArgs {
  data: boolean;
  online: boolean;
  instance?: string;
  backend?: string;
  noLogs: boolean;
  force: boolean;
  gpgHome?: string;
  dmSecret: string;
}

export function readRestoreArgs(ctx: ActionContext): RestoreArgs {
  const a = ctx.args;
  return {
    data: bool(a.data),
    online: bool(a.online),
    instance: str(a.instance),
    backend: str(a.backend),
    noLogs: bool(a.no_logs),
    force: bool(a.force),
    gpgHome: str(a.gpg_home),
    dmSecret: str(a.dm_password_secret) ?? 'dm_password',
  };
}

/** The upload and its unpacked copy both land on the file system of /var/lib/ipa (the backup dir). */
export const DISK_CHECK_DIR = '/var/lib/ipa';
export const DISK_FACTOR = 2;

/**
 * `backup`: a directory, a backup name in the cluster's store, `latest` (the newest ipa-backup one
 * that verifies) or `latest-good` (the newest ipa-backup one a run restored and verified).
 */
async function resolveIpaBackupDir(ctx: ActionContext): Promise<string> {
  const ref = ctx.args.backup;
  if (typeof ref !== 'string' || !ref) throw new ActionError('the backup argument (a backup directory, a backup name, "latest" or "latest-good") is required');
  const root = resolveBackupRoot(ctx.inventory, typeof ctx.args.dest === 'string' && ctx.args.dest ? ctx.args.dest : undefined);
  if (ref === 'latest') {
    // The newest ipa-backup backup whose payload verifies and reads as the directory ipa-backup wrote.
    const c = await latestVerifiedBackup(root, ctx.inventory.cluster, { accept: (b) => isIpaBackupBody(b.envelope?.body), what: 'ipa-backup backup', layout: archiveLayoutIpa });
    if (!c.dir) throw new ActionError(`backup=latest: ${c.why}${skippedText(c)}`);
    if (c.skipped.length) ctx.emit({ kind: 'warning', message: `backup=latest: ${c.why}${skippedText(c)}` });
    return c.dir;
  }
  if (ref === 'latest-good') {
    const good = await latestGoodBackup(root, ctx.inventory.cluster, (b) => isIpaBackupBody(b.envelope?.body));
    if (!good.dir) throw new ActionError(`backup=latest-good: ${good.why}`);
    return good.dir;
  }
  if (existsSync(ref)) return path.resolve(ref);
  const inStore = path.join(root, ctx.inventory.cluster, ref);
  if (existsSync(inStore)) return inStore;
  throw new ActionError(`no backup at ${ref} (nor ${inStore})`);
}

/** The controller-side backup: a Lifeboat store entry made by ipa.backup.create. */
export async function ipaBackupOnController(ctx: ActionContext): Promise<{ dir: string; h: BackupEnvelope; ipa: IpaBackupBody }> {
  const dir = await resolveIpaBackupDir(ctx);
  const h = await readEnvelope(dir, checkIpaBackupBody);
  if (!isIpaBackupBody(h.body)) throw new ActionError(`${path.basename(dir)} was not made by ipa-backup (ipa.backup.create): restore it with backup.restore`);
  if (bool(ctx.args.reinit_all)) refuseStranded(ctx, dir, h.body);
  return { dir, h, ipa: h.body };
}

/**
 * ipa-restore(1): "If the restore point is from a period prior to a replication agreement then
 * the master will need to be re-installed": the restored data neither registers nor replicates to
 * a server that joined after the backup, so re-initializing it from the restored server fails half
 * way through a data-loss run. Refused here, before anything changes (plan included).
 */
function refuseStranded(ctx: ActionContext, dir: string, ipa: IpaBackupBody): void {
  if (!ipa.servers) return;
  const known = new Set(ipa.servers.map((s) => s.toLowerCase()));
  const later = ctx.inventory.hosts.filter((h) => !known.has(fqdnOf(ctx.inventory, h).toLowerCase()));
  if (later.length === 0) return;
  const names = later.map((h) => `${h.name} (${fqdnOf(ctx.inventory, h)})`).join(', ');
  throw new ActionError(
    `${path.basename(dir)} (${ipa.header.time} UTC) predates ${names}: IdM's servers then were ${ipa.servers.join(', ')}. Restored, the data would know nothing of ${later.length === 1 ? 'it' : 'them'}, so ${later.length === 1 ? 'it' : 'they'} could not be re-initialized, only reinstalled (ipa-restore(1), REPLICATION). Restore a backup made after ${later.length === 1 ? 'it' : 'they'} joined; or remove ${later.length === 1 ? 'it' : 'them'} from IdM (ipa server-del) and from the inventory, restore, then install ${later.length === 1 ? 'it' : 'them'} again as replicas`,
  );
}

/**
 * Everything that can refuse the restore without changing anything: the tools on the host, the
 * ipa-backup header against the host (same FQDN, format, IPA version, roles), the payload's
 * checksum on the controller. Used by ipa.backup.restore before it uploads, and alone by
 * ipa.backup.check (a playbook's preflight).
 */
export async function ipaRestorePreflight(ctx: ActionContext): Promise<{ dir: string; h: BackupEnvelope; ipa: IpaBackupBody; facts: IpaHostFacts; remote: RemoteHost; versionDiffers: boolean }> {
  const args = readRestoreArgs(ctx);
  const { dir, h, ipa } = await ipaBackupOnController(ctx);
  const stored = await sha256File(path.join(dir, h.payload.file));
  if (stored.sha256 !== h.payload.sha256 || stored.size !== h.payload.size) {
    throw new ActionError(`${path.join(dir, h.payload.file)} does not match its header (${stored.size} bytes, sha256 ${stored.sha256}): truncated or corrupt; nothing was restored`);
  }
  const remote = await ctx.connect();
  const facts = await ipaFacts(remote, ctx, ['ipa-restore']);
  const p = ipaHeaderProblems(ipa.header, { fqdn: facts.fqdn, ipaVersion: facts.ipaVersion, clusterRoles: clusterServiceRoles(ctx.inventory) });
  if (ipa.archive.endsWith('.gpg') && !args.gpgHome) p.refuse.push(`${ipa.archive} is encrypted: give gpg_home (the GnuPG home on ${ctx.host.name} holding the key ipa-backup encrypted for)`);
  if ((args.data || ipa.header.type === 'DATA') && !facts.configured) p.refuse.push(`${ctx.host.name} has no /etc/ipa/default.conf: a data restore needs an installed IPA server (restore a FULL backup instead)`);
  if (p.refuse.length || (p.forceable.length && !args.force)) {
    const all = [...p.refuse, ...p.forceable.map((x) => `${x} (force: true overrides)`)];
    throw new ActionError(`ipa.backup.restore: will not restore ${path.basename(dir)} (${ipa.dir}) on ${ctx.host.name}:\n  - ${all.join('\n  - ')}`);
  }
  for (const x of p.forceable) ctx.emit({ kind: 'warning', message: `forced: ${x}` });
  const df = await sh(remote, ctx, dfCommand(DISK_CHECK_DIR), 'checking free disk space', 30_000);
  const free = Number(df.stdout.trim());
  const need = DISK_FACTOR * h.archive.size;
  if (!Number.isFinite(free) || free < need) {
    throw new ActionError(`${ctx.host.name}: not enough disk space in ${DISK_CHECK_DIR}: ${free} bytes free, the restore needs ${need} (the uploaded backup and its unpacked copy); nothing was restored`);
  }
  return { dir, h, ipa, facts, remote, versionDiffers: ipa.header.ipaVersion !== facts.ipaVersion };
}
