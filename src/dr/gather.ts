import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAgreements, MAPPING_TREE, statusCode } from '../profiles/389ds/actions/replication/agreements.ts';
import { attr, ldapSearch } from '../profiles/389ds/actions/ldap.ts';
import { instanceName } from '../profiles/389ds/actions/host-vars.ts';
import { listBackups, resolveBackupRoot, sha256File } from '../backup/index.ts';
import { readVerifications } from '../backup/verifications.ts';
import type { Inventory } from '../inventory/types.ts';
import { SshPool } from '../transport/index.ts';
import { mask } from '../util/secrets.ts';
import { findProfile, loadProfiles } from '../profiles/registry.ts';
import type { DrAgreement, DrBackup, DrFacts, DrItem } from './items.ts';

/**
 * Everything `dr check` scores, read without changing anything: agreements over SSH (an LDAP
 * search per host, host keys verified as the inventory says), backups and rehearsals on disk.
 */

export interface GatherOptions {
  backupDir?: string;
  stateDir: string;
  maxBackupAgeMs: number;
  now?: Date;
}

const errText = (e: unknown) => mask(e instanceof Error ? e.message : String(e));

export async function gatherReadiness(inv: Inventory, opts: GatherOptions): Promise<DrFacts> {
  const connectErrors: DrFacts['connectErrors'] = {};
  const agreements: DrAgreement[] = [];
  const readOnly: Record<string, string[]> = {};
  let profileItems: DrItem[] = [];
  const pool = new SshPool(inv);
  try {
    await Promise.all(
      inv.hosts.map(async (h) => {
        try {
          const remote = await pool.get(h.name);
          connectErrors[h.name] = undefined;
          if (inv.profile === 'keytrustee') return;
          const found = await listAgreements(remote, inv, h.name, instanceName(inv, h), undefined, { timeoutMs: 20_000 });
          agreements.push(...found.map((a) => ({ host: a.host, peer: a.peer, peerAddress: a.peerAddress, suffix: a.suffix, enabled: a.enabled, lastUpdateStatus: a.lastUpdateStatus, updateCode: statusCode(a.lastUpdateStatus) })));
          const ro = (await ldapSearch(remote, instanceName(inv, h), MAPPING_TREE, 'sub', '(&(objectClass=nsds5replica)(nsDS5ReplicaType=2))', ['nsDS5ReplicaRoot'], { timeoutMs: 20_000 })).map((e) => attr(e, 'nsDS5ReplicaRoot') ?? e.dn);
          if (ro.length) readOnly[h.name] = ro;
        } catch (e) {
          connectErrors[h.name] = { message: errText(e), hostKey: (e as Error)?.name === 'HostKeyError' };
        }
      }),
    );
    // The profile's own items (keytrustee: the pair in sync), over the same verified connections.
    await loadProfiles();
    profileItems = (await findProfile(inv.profile)?.readinessItems?.(inv, (host) => pool.get(host))) ?? [];
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
  return {
    profileItems,
    inventory: inv,
    connectErrors,
    agreements,
    readOnly,
    backups: await verifiedBackups(resolveBackupRoot(inv, opts.backupDir), inv.cluster),
    maxBackupAgeMs: opts.maxBackupAgeMs,
    now: opts.now ?? new Date(),
    rehearsal: await lastPassedRehearsal(opts.stateDir),
  };
}

/** Every backup of the cluster (any profile's envelope) with its payload re-hashed against its header. */
export async function verifiedBackups(root: string, cluster: string): Promise<DrBackup[]> {
  const out: DrBackup[] = [];
  for (const b of await listBackups(root, cluster)) {
    const e = b.envelope;
    if (!e) {
      out.push({ name: b.name, time: b.time, checksum: b.problem ?? 'no header' });
      continue;
    }
    let checksum: true | string;
    try {
      const got = await sha256File(join(b.dir, e.payload.file));
      checksum = got.sha256 === e.payload.sha256 && got.size === e.payload.size ? true : `payload sha256 ${got.sha256.slice(0, 12)}… does not match the header`;
    } catch (err) {
      checksum = `payload unreadable: ${errText(err)}`;
    }
    // A deeper check that failed (backup verify with the key) outweighs a matching hash.
    const last = (await readVerifications(b.dir)).at(-1);
    if (checksum === true && last && !last.ok && last.how !== 'sha256') checksum = `backup verify failed (${last.how}, ${last.time}): ${last.problem ?? 'no reason recorded'}`;
    out.push({ name: b.name, time: new Date(e.time), host: e.host, encrypted: e.encryption.kind !== 'none', checksum, suffixes: b.header?.suffixes });
  }
  return out;
}

/**
 * The newest passed rehearsal: its report sits in the run directory of the playbook run it drove
 * (`runs/<id>/rehearsal.json`), or in `rehearsals/<lab>/` when no run started. Rehearsals run on a
 * lab copy of the topology, so any passed one counts.
 */
export async function lastPassedRehearsal(stateDir: string): Promise<DrFacts['rehearsal']> {
  const files: string[] = [];
  for (const sub of ['runs', 'rehearsals']) {
    const names = await readdir(join(stateDir, sub)).catch(() => [] as string[]);
    files.push(...names.map((n) => join(stateDir, sub, n, 'rehearsal.json')));
  }
  let best: DrFacts['rehearsal'];
  for (const file of files) {
    try {
      const r = JSON.parse(await readFile(file, 'utf8')) as { ok: boolean; scenario: string; finished: string; timings?: { steps: { durationMs: number }[] } };
      if (!r.ok) continue;
      const recoveryMs = r.timings?.steps.reduce((s, x) => s + x.durationMs, 0);
      if (!best || r.finished > best.finished) best = { scenario: r.scenario, finished: r.finished, recoveryMs };
    } catch {
      // No rehearsal report here (an ordinary run), or an unfinished one.
    }
  }
  return best;
}
