import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun, type PlanOutput } from '../../../src/engine/index.ts';

/*
 * Golden plans: for each ipa scenario on inventories/example-ipa.yaml, the exact ordered command
 * lines `lifeboat plan` prints for the ipa profile's own steps, per host, and the order of the
 * directory-level steps it reuses from the 389ds profile (their commands are covered by the 389ds
 * tests and the lab e2e). Where each IdM command comes from (freeipa/freeipa at b16f3b8; seeds in
 * /work/shared/seeds):
 * [S000] seed 000 §9.1.1: "ipa-backup", "ipa-backup --data", "--online", "--logs"; GPG encryption §9.1.2.
 * [S001] seed 001: "ipactl stop/start"; "The restore program will disable all replication agreements
 *        on all masters before restoring the data"; "ipa-replica-manage re-initialize --from=";
 *        ipa-restore OPTIONS /path/to/backup (--data --online --instance --backend --no-logs).
 * [S002] seed 002 §5.4: "ipa-backup --data --online"; §3.3 CA on three or more servers, "If only one
 *        server provides CA services and it is damaged, the entire environment will be lost"; §5 backups
 *        on a hidden replica with every role.
 * [B]    ipaserver/install/ipa_backup.py: add_options (lines 247-268), validate_options (286-297),
 *        GNUPGHOME instead of --gpg-keyring (278-284), finalize_backup "Backed up to" (735-796).
 * [R]    ipaserver/install/ipa_restore.py: add_options (188-213); the DM password is read by
 *        installutils.get_password from stdin when stdin is no terminal (ask_for_options 244-261);
 *        "Continue to restore?" questions (356-364, 433-436) answered on stdin; -U would skip the
 *        password prompt, -p would put it in argv: neither is used.
 * [RM]   install/tools/ipa-replica-manage.in re-initialize --from (lines 64, 111, 1215-1250);
 *        install/tools/ipa-csreplica-manage.in re-initialize --from (50, 65, 333-365) and
 *        set-renewal-master (52, 376-389); both read the DM password with installutils.read_password.
 * [IDM]  cn=masters / cn=topology under cn=ipa,cn=etc: what ipa-backup's check_roles reads
 *        (ipa_backup.py 375-447) and `ipa server-role-find` / `ipa topologysegment-find` show.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const inventory = path.join(root, 'inventories/example-ipa.yaml');
const store = path.join(root, 'test/fixtures/ipa/store/idm-prod');
const DATA = path.join(store, 'lifeboat-data-2026-11-30-12-14-30');
const FULL = path.join(store, 'lifeboat-full-2026-11-30-12-11-50');
const SECRET = 'golden-plan-dm-secret';

const MASTER_LIST = "ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H ldapi://%2Frun%2Fslapd-EXAMPLE-COM.socket -b 'cn=masters,cn=ipa,cn=etc,dc=example,dc=com' -s one '(objectClass=*)' 'cn'";
const FACTS =
  `printf 'fqdn\\t%s\\n' "$(hostname -f 2>/dev/null || hostname)"; printf 'ipa_version\\t%s\\n' "$(ipa --version 2>/dev/null | sed -n 's/^VERSION: \\([^,]*\\),.*/\\1/p')"; ` +
  `if [ -e /etc/ipa/default.conf ]; then printf 'configured\\tyes\\n'; else printf 'configured\\tno\\n'; fi; ` +
  `for t in ipactl ipa-backup ipa-restore ipa-replica-manage ipa-csreplica-manage; do printf '%s\\t%s\\n' "$t" "$(command -v "$t" || true)"; done`;
const LDAPI = 'ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H ldapi://%2Frun%2Fslapd-EXAMPLE-COM.socket';
const MASTERS = `${LDAPI} -b 'cn=masters,cn=ipa,cn=etc,dc=example,dc=com' -s sub '(objectClass=*)' 'cn' 'ipaConfigString'`;
const SEGMENTS = `${LDAPI} -b 'cn=topology,cn=ipa,cn=etc,dc=example,dc=com' -s sub '(objectClass=ipaReplTopoSegment)' 'ipaReplTopoSegmentLeftNode' 'ipaReplTopoSegmentRightNode' 'ipaReplTopoSegmentDirection'`;
const DM = 'Directory Manager password ***';
const DF = `df -Pk '/var/lib/ipa' | awk 'NR==2 {print $4 * 1024}'`;
const DM_KRB = `${DM} (read only when no Kerberos ticket works)`;

async function plan(playbook: string, params: Record<string, string>): Promise<PlanOutput> {
  return planRun({ playbookFile: path.join(root, `playbooks/ipa/${playbook}.yaml`), inventoryFile: inventory, params, concurrency: 4 });
}

/** One line per planned command of the ipa steps; one line per reused 389ds step (action and hosts). */
function lines(p: PlanOutput): string[] {
  const out: string[] = [];
  for (const s of p.steps) {
    expect(s.note ?? '', `step "${s.name}"`).not.toMatch(/cannot plan/);
    if (!s.action.startsWith('ipa.')) {
      out.push(`[${s.action}] ${s.hosts.map((h) => h.host).join(',')}${s.when ? ` when ${s.when}` : ''}`);
      continue;
    }
    for (const h of s.hosts) for (const c of h.commands) out.push(`${c.host}: ${c.command}${c.stdin ? ` <<< ${c.stdin}` : ''}`);
  }
  return out;
}

let saved: string | undefined;
beforeAll(() => {
  saved = process.env.LIFEBOAT_DM_PASSWORD;
  process.env.LIFEBOAT_DM_PASSWORD = SECRET;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LIFEBOAT_DM_PASSWORD;
  else process.env.LIFEBOAT_DM_PASSWORD = saved;
});

describe('golden plans of the ipa playbooks on inventories/example-ipa.yaml', () => {
  it('data-loss: agreements off everywhere, ipa-restore --data on the master, both suffixes re-initialized with their own tool', async () => {
    const p = await plan('data-loss', { master: 'ipa1', backup: DATA });
    expect(lines(p)).toEqual([
      '[replication.fence] ipa1',
      `ipa1: ${FACTS}`, // ipa.preflight, every server (fenced ones skipped)
      `ipa2: ${FACTS}`,
      `ipa3: ${FACTS}`,
      `ipa4: ${FACTS}`,
      `ipa1: ${MASTERS}`, // [IDM]
      `ipa1: ${SEGMENTS}`,
      `controller: sha256 ${DATA}/payload.tar`, // ipa.backup.check
      `ipa1: ${FACTS}`,
      `ipa1: ${DF}`,
      '[topology.discover] ipa1',
      '[replication.disable] ipa1,ipa2,ipa3,ipa4', // [S001] all agreements on all masters, both suffixes
      `ipa1: ${FACTS}`, // ipa.backup.restore
      `ipa1: ${DF}`,
      `ipa1: sftp put ${DATA}/payload.tar -> /var/tmp/lifeboat-data-2026-11-30-12-14-30.tar`,
      'ipa1: mkdir -p -m 700 /var/lib/ipa/backup',
      'ipa1: tar -xf /var/tmp/lifeboat-data-2026-11-30-12-14-30.tar -C /var/lib/ipa/backup',
      'ipa1: rm -f /var/tmp/lifeboat-data-2026-11-30-12-14-30.tar',
      `ipa1: ipa-restore --data /var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23 <<< ${DM}, "yes" (overwrite live data)`, // [S001] [R]
      `ipa1: ${FACTS}`, // ipa.service.status [S001] ipactl
      'ipa1: ipactl status',
      '[replication.enable] ipa1',
      `ipa2: ${FACTS}`, // [S001] [RM] breadth-first from the master
      `ipa2: ipa-replica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM_KRB}`,
      `ipa3: ${FACTS}`,
      `ipa3: ipa-replica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM_KRB}`,
      `ipa4: ${FACTS}`,
      `ipa4: ipa-replica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM_KRB}`,
      `ipa2: ${FACTS}`, // [RM] o=ipaca on the CA servers
      `ipa2: ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM}`,
      `ipa3: ${FACTS}`,
      `ipa3: ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM}`,
      `ipa4: ${FACTS}`,
      `ipa4: ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com <<< ${DM}`,
      '[replication.enable] ipa1,ipa2,ipa3,ipa4',
      '[verify.converged] ipa1',
    ]);
    // The re-initializations wait for their parent (breadth-first); the restore asks first.
    const domain = p.steps.find((s) => s.name.startsWith('Re-initialize the domain'))!;
    expect(domain.hosts.map((h) => [h.host, h.parent])).toEqual([['ipa2', 'ipa1'], ['ipa3', 'ipa1'], ['ipa4', 'ipa1']]);
    // The one question, asked before anything changes (not in the middle, with agreements off).
    expect(p.confirm).toMatch(/^Restore ipa\d from .*\? Every change made after the backup is lost on every server\.$/);
    expect(p.steps.find((s) => s.action === 'ipa.backup.restore')!.confirm).toBeUndefined();
    expect(JSON.stringify(p)).not.toContain(SECRET);
  });

  it('data-loss online: ipa-restore --data --online', async () => {
    const p = await plan('data-loss', { master: 'ipa1', backup: DATA, online: 'true', data: 'true' });
    expect(lines(p)).toContain(`ipa1: ipa-restore --data --online /var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23 <<< ${DM}, "yes" (overwrite live data)`);
  });

  it('data-loss from an ipa-backup --gpg archive: ipa-restore decrypts with the GnuPG home given', async () => {
    const ENC = path.join(store, 'lifeboat-data-2026-11-30-12-20-10');
    const p = await plan('data-loss', { master: 'ipa1', backup: ENC, gpg_home: '/root/backup' });
    expect(lines(p)).toContain(`ipa1: GNUPGHOME=/root/backup ipa-restore --data /var/lib/ipa/backup/ipa-data-2026-11-30-12-20-05 <<< ${DM}, "yes" (overwrite live data)`);
  });

  it('server-loss: its own full backup restored with ipa-restore, then both suffixes pulled from a healthy server', async () => {
    const p = await plan('server-loss', { lost: 'ipa1', from: 'ipa2', backup: FULL });
    expect(lines(p)).toEqual([
      `ipa1: ${FACTS}`,
      `ipa2: ${FACTS}`,
      '[replication.fence] ipa1',
      `controller: sha256 ${FULL}/payload.tar`,
      `ipa1: ${FACTS}`,
      `ipa1: ${DF}`,
      "[replication.disable] ipa2,ipa3,ipa4 when backup != ''", // ipa-restore disables every agreement it reaches [R] 447-448
      `ipa1: ${FACTS}`,
      `ipa1: ${DF}`,
      `ipa1: sftp put ${FULL}/payload.tar -> /var/tmp/lifeboat-full-2026-11-30-12-11-50.tar`,
      'ipa1: mkdir -p -m 700 /var/lib/ipa/backup',
      'ipa1: tar -xf /var/tmp/lifeboat-full-2026-11-30-12-11-50.tar -C /var/lib/ipa/backup',
      'ipa1: rm -f /var/tmp/lifeboat-full-2026-11-30-12-11-50.tar',
      // [S000] "Restore the full backup of the IdM server" on the reinstalled machine; no password prompt without default.conf [R] 248-251
      `ipa1: ipa-restore /var/lib/ipa/backup/ipa-full-2026-11-30-12-11-46 <<< ${DM}, "yes" (overwrite live data) (the password only when /etc/ipa/default.conf exists)`,
      `ipa1: ${FACTS}`,
      'ipa1: ipactl status',
      `ipa1: ${FACTS}`,
      `ipa1: ipa-replica-manage re-initialize --from=ipa2.dc1.example.com <<< ${DM_KRB}`,
      `ipa1: ipa-csreplica-manage re-initialize --from=ipa2.dc1.example.com <<< ${DM}`,
      "[replication.enable] ipa2,ipa3,ipa4 when backup != ''",
      '[verify.converged] ipa1',
    ]);
  });

  it('server-loss without a backup: the restore steps are planned under their condition, the re-initialization alone runs', async () => {
    const p = await plan('server-loss', { lost: 'ipa2', from: 'ipa3' });
    expect(lines(p).filter((l) => !l.includes(FACTS))).toEqual([
      '[replication.fence] ipa2',
      "[replication.disable] ipa1,ipa3,ipa4 when backup != ''",
      'ipa2: ipactl status',
      `ipa2: ipa-replica-manage re-initialize --from=ipa3.dc2.example.com <<< ${DM_KRB}`,
      `ipa2: ipa-csreplica-manage re-initialize --from=ipa3.dc2.example.com <<< ${DM}`,
      "[replication.enable] ipa1,ipa3,ipa4 when backup != ''",
      '[verify.converged] ipa2',
    ]);
    // ipa.backup.check and ipa.backup.restore have no backup to read: they say so under their condition.
    const conditional = p.steps.filter((s) => s.action.startsWith('ipa.backup.'));
    expect(conditional.map((s) => [s.when, s.note])).toEqual([
      ["backup != ''", undefined],
      ["backup != ''", undefined],
    ]);
  });

  it('ca-replica-rebuild: the renewal master moves off the lost server, both suffixes from the surviving CA server', async () => {
    const p = await plan('ca-replica-rebuild', { lost: 'ipa1', from: 'ipa3' });
    expect(lines(p)).toEqual([
      '[assert] ipa1',
      '[assert] ipa1',
      '[ca.survivors] ipa1', // [S002] refuses when no CA server survives
      `ipa1: ${FACTS}`,
      `ipa3: ${FACTS}`,
      `ipa3: ${FACTS}`, // ipa.ca.renewal-master on the new renewal master
      `ipa3: ${MASTERS}`, // IdM's record must agree with the inventory's renewal role
      `ipa3: ${SEGMENTS}`,
      `ipa3: ipa-csreplica-manage set-renewal-master ipa3.dc2.example.com <<< ${DM}`, // [RM]
      // ipa-crlgen-manage(1): only one server generates the CRL; the lost one may have been it.
      'ipa2: ipa-crlgen-manage status',
      'ipa3: ipa-crlgen-manage status',
      'ipa4: ipa-crlgen-manage status',
      'ipa3: ipa-crlgen-manage enable',
      `ipa1: ${FACTS}`,
      `ipa1: ipa-replica-manage re-initialize --from=ipa3.dc2.example.com <<< ${DM_KRB}`,
      `ipa1: ipa-csreplica-manage re-initialize --from=ipa3.dc2.example.com <<< ${DM}`,
      '[verify.converged] ipa1',
    ]);
  });

  it('ca-replica-rebuild of a CA server that was not the renewal master: no move', async () => {
    const p = await plan('ca-replica-rebuild', { lost: 'ipa2', from: 'ipa3' });
    const step = p.steps.find((s) => s.action === 'ipa.ca.renewal-master')!;
    expect(step.hosts[0]!.commands.map((c) => c.command)).toEqual([FACTS, MASTERS, SEGMENTS]);
    expect(step.hosts[0]!.commands[2]!.note).toBe('then no change: the renewal master is ipa1, not ipa2');
  });

  it('backup: ipa-backup on the hidden replica with every role, fetched to the store', async () => {
    const p = await plan('backup', {});
    const local = path.join(root, 'backups/idm-prod/lifeboat-data-<UTC time>');
    expect(lines(p)).toEqual([
      `ipa4: ${FACTS}`,
      `ipa4: ${FACTS}`,
      `ipa4: ${MASTER_LIST}`, // IdM's servers now, recorded in the backup: data-loss refuses a backup that predates one
      'ipa4: ipa-backup --data --online', // [S002] §5.4 [B]
      "ipa4: cat '/var/lib/ipa/backup/ipa-data-<time printed by ipa-backup>/header'",
      "ipa4: tar -cf '/var/tmp/lifeboat-data-<UTC time>.tar' -C /var/lib/ipa/backup 'ipa-data-<time printed by ipa-backup>'",
      `ipa4: sftp get /var/tmp/lifeboat-data-<UTC time>.tar -> ${local}/payload.tar`,
      'ipa4: rm -f /var/tmp/lifeboat-data-<UTC time>.tar',
      `controller: write ${local}/header.json`,
    ]);
  });

  it('backup: full with logs, and encrypted with --gpg for a checked recipient', async () => {
    const full = lines(await plan('backup', { data: 'false', online: 'false', logs: 'true' }));
    expect(full).toContain('ipa4: ipa-backup --logs'); // [S000] full-server backup with logs
    const gpg = lines(await plan('backup', { gpg: 'true', gpg_home: '/root/backup', recipient: '8F6FCF10C80359D5A05AED67BF28FFA302EF4557' }));
    expect(gpg.slice(1, 4)).toEqual([
      `ipa4: ${FACTS}`,
      `ipa4: ${MASTER_LIST}`,
      'ipa4: gpg --homedir /root/backup --batch --with-colons --list-secret-keys',
    ]);
    expect(gpg[4]).toBe('ipa4: GNUPGHOME=/root/backup ipa-backup --data --online --gpg'); // [B] 278-284, [S000] §9.1.2
  });

  it('backup on a server lacking a role used in the cluster: refused at plan time, like ipa-backup\'s check_roles', async () => {
    const p = await plan('backup', { host: 'ipa2' });
    const step = p.steps.find((s) => s.action === 'ipa.backup.create')!;
    expect(JSON.stringify(step)).toContain('ipa2 lacks role(s) kra used in cluster idm-prod: ipa-backup would refuse');
    const forced = lines(await plan('backup', { host: 'ipa2', disable_role_check: 'true' }));
    expect(forced).toContain('ipa2: ipa-backup --data --online --disable-role-check'); // [S002] §5.3
  });

  it('backup: what ipa-backup itself refuses is refused at plan time', async () => {
    const p = await plan('backup', { data: 'false', online: 'true' });
    const step = p.steps.find((s) => s.action === 'ipa.backup.create')!;
    expect(JSON.stringify(step)).toMatch(/You cannot specify --online without --data/);
    expect(step.hosts.flatMap((h) => h.commands)).toEqual([]);
  });
});
