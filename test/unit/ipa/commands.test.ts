import { describe, expect, it } from 'vitest';
import {
  backedUpDir,
  commandLine,
  csreplicaManageList,
  csreplicaManageReinit,
  csreplicaSetRenewalMaster,
  firstSecretFingerprint,
  ipaBackup,
  ipaBackupEnv,
  ipactl,
  ipaRestore,
  ipaRestoreStdin,
  replicaManageList,
  replicaManageReinit,
  serverRoleFind,
  topologySegmentFind,
} from '../../../src/profiles/ipa/commands.ts';

/*
 * Every option below is one FreeIPA defines (freeipa/freeipa at b16f3b8):
 * - ipa-backup: ipaserver/install/ipa_backup.py add_options (--gpg, --data, --logs, --online,
 *   --disable-role-check, lines 247-268); refusals in validate_options (lines 286-297); seed 000 §9.1.1
 *   and seed 002 §5.4 ("ipa-backup --data --online", "--logs", "--disable-role-check").
 * - GNUPGHOME instead of --gpg-keyring: ipa_backup.py lines 278-284 ("--gpg-keyring is no longer
 *   supported, use GNUPGHOME"); encryption for --default-recipient-self (lines 82-88).
 * - ipa-restore: ipa_restore.py add_options (-p, --data, --online, --instance, --backend, --no-logs,
 *   -U, lines 188-213); refusals for a FULL restore (lines 298-305); seed 001 "ipa-restore OPTIONS".
 * - ipa-replica-manage / ipa-csreplica-manage re-initialize --from: install/tools/ipa-replica-manage.in
 *   (commands table line 64, --from line 111) and ipa-csreplica-manage.in (lines 50, 65);
 *   seed 001: "ipa-replica-manage re-initialize --from=". set-renewal-master: ipa-csreplica-manage.in line 52.
 * - ipactl start|stop|status: seed 001 ("# ipactl stop", "# ipactl start").
 */
describe('FreeIPA command builders', () => {
  it('ipactl', () => {
    expect(commandLine(ipactl('stop'))).toBe('ipactl stop');
    expect(commandLine(ipactl('start'))).toBe('ipactl start');
    expect(commandLine(ipactl('status'))).toBe('ipactl status');
  });

  it('ipa-backup: full by default, data/online/logs/gpg/disable-role-check as documented', () => {
    expect(ipaBackup({})).toEqual(['ipa-backup']);
    expect(ipaBackup({ data: true })).toEqual(['ipa-backup', '--data']);
    expect(ipaBackup({ data: true, online: true })).toEqual(['ipa-backup', '--data', '--online']);
    expect(ipaBackup({ logs: true })).toEqual(['ipa-backup', '--logs']);
    expect(commandLine(ipaBackup({ data: true, gpg: true }), ipaBackupEnv('/root/backup'))).toBe('GNUPGHOME=/root/backup ipa-backup --data --gpg');
    expect(ipaBackup({ disableRoleCheck: true })).toEqual(['ipa-backup', '--disable-role-check']);
  });

  it('ipa-backup: refuses what ipa-backup refuses, with its words', () => {
    expect(() => ipaBackup({ online: true })).toThrow('You cannot specify --online without --data');
    expect(() => ipaBackup({ data: true, logs: true })).toThrow('You cannot specify --data with --logs');
  });

  it('ipa-restore: options, the directory last, never -p or -U', () => {
    const dir = '/var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23';
    expect(ipaRestore({ dir }, 'DATA')).toEqual(['ipa-restore', dir]);
    expect(ipaRestore({ dir, data: true, online: true, instance: 'EXAMPLE-COM', backend: 'userRoot', noLogs: true }, 'FULL')).toEqual([
      'ipa-restore', '--data', '--online', '--instance=EXAMPLE-COM', '--backend=userRoot', '--no-logs', dir,
    ]);
    for (const argv of [ipaRestore({ dir }, 'FULL'), ipaRestore({ dir, data: true, online: true }, 'FULL')]) {
      expect(argv).not.toContain('-p');
      expect(argv.some((a) => a.startsWith('--password'))).toBe(false);
      expect(argv).not.toContain('-U');
    }
  });

  it('ipa-restore: a full restore cannot be online nor name an instance/backend', () => {
    expect(() => ipaRestore({ dir: '/x', online: true }, 'FULL')).toThrow('File restoration cannot be done online');
    expect(() => ipaRestore({ dir: '/x', backend: 'ipaca' }, 'FULL')).toThrow('Restore must be in data-only mode');
    // --data turns a full backup into a data restore: allowed.
    expect(ipaRestore({ dir: '/x', data: true, backend: 'ipaca' }, 'FULL')).toEqual(['ipa-restore', '--data', '--backend=ipaca', '/x']);
  });

  it('ipa-restore stdin: the password only when IPA is configured, then the answers in its order', () => {
    expect(ipaRestoreStdin('Secret123', { configured: true, versionDiffers: false })).toBe('Secret123\nyes\n');
    expect(ipaRestoreStdin('Secret123', { configured: true, versionDiffers: true })).toBe('Secret123\nyes\nyes\n');
    // No /etc/ipa/default.conf: no password prompt; a password there would answer "Continue to restore?".
    expect(ipaRestoreStdin('Secret123', { configured: false, versionDiffers: false })).toBe('yes\n');
  });

  it('re-initialize: the right tool per suffix, --from= as in seed 001', () => {
    expect(commandLine(replicaManageReinit('ipa1.dc1.example.com'))).toBe('ipa-replica-manage re-initialize --from=ipa1.dc1.example.com');
    expect(commandLine(csreplicaManageReinit('ipa1.dc1.example.com'))).toBe('ipa-csreplica-manage re-initialize --from=ipa1.dc1.example.com');
    expect(commandLine(csreplicaSetRenewalMaster('ipa3.dc2.example.com'))).toBe('ipa-csreplica-manage set-renewal-master ipa3.dc2.example.com');
  });

  it('discovery commands', () => {
    expect(commandLine(replicaManageList())).toBe('ipa-replica-manage list');
    expect(commandLine(replicaManageList('ipa1.dc1.example.com'))).toBe('ipa-replica-manage list ipa1.dc1.example.com');
    expect(commandLine(csreplicaManageList())).toBe('ipa-csreplica-manage list');
    expect(commandLine(topologySegmentFind('ca'))).toBe('ipa topologysegment-find ca --all');
    expect(commandLine(serverRoleFind('CA server'))).toBe("ipa server-role-find --status=enabled '--role=CA server'");
  });

  it('quotes only what a shell could misread', () => {
    expect(commandLine(['echo', "it's", 'a b', '$HOME', 'plain-word_1.2'])).toBe("echo 'it'\\''s' 'a b' '$HOME' plain-word_1.2");
  });

  it('reads what ipa-backup prints and what gpg lists', () => {
    // ipa_backup.py finalize_backup: logger.info('Backed up to %s', backup_dir)
    expect(backedUpDir('Starting IPA service\nBacked up to /var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23\nThe ipa-backup command was successful\n')).toBe(
      '/var/lib/ipa/backup/ipa-data-2026-11-30-12-14-23',
    );
    expect(backedUpDir('ipa-backup failed')).toBeUndefined();
    const colons = [
      'sec:u:2048:1:BF28FFA302EF4557:1579000000:::u:::scESC:::+:::23::0:',
      'fpr:::::::::8F6FCF10C80359D5A05AED67BF28FFA302EF4557:',
      'uid:u::::1579000000::ABC::GPG User (first key)::::::::::0:',
      'sec:u:2048:1:1111111111111111:1579000000:::u:::scESC:::+:::23::0:',
      'fpr:::::::::0000000000000000000000001111111111111111:',
    ].join('\n');
    expect(firstSecretFingerprint(colons)).toBe('8F6FCF10C80359D5A05AED67BF28FFA302EF4557');
    expect(firstSecretFingerprint('')).toBeUndefined();
  });
});
