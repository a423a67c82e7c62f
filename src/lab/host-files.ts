import { chmod, chown, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runLocal } from './run-local.ts';
import { PRIVATE_DIRS, fqdn, labPaths } from './names.ts';
import type { PrivateDir } from './state.ts';

/** Files shared by every host of one lab: the systemd-free lib389 defaults and the hosts file. */
export async function writeLabFiles(lab: string, hosts: { name: string; address: string }[]): Promise<void> {
  const p = labPaths(lab);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  // lib389 calls systemctl unless with_systemd = 0 here; the system file stays untouched and this
  // copy is bind-mounted over it inside each host only.
  const inf = await readFile('/usr/share/dirsrv/inf/defaults.inf', 'utf8');
  await writeFile(p.defaultsInf, inf.replace(/^with_systemd\s*=.*$/m, 'with_systemd = 0'), { mode: 0o644 });
  await writeFile(p.hostsFile, hostsFileText(hosts), { mode: 0o644 });
  await writeFile(p.initScript, HOST_INIT, { mode: 0o755 });
  // The lab dir itself must be traversable: hosts bind-mount files from it.
  await chmod(p.dir, 0o755);
}

/**
 * Inside a host, dsN.lab.test is unambiguous (each lab bind-mounts its own hosts file). On the
 * controller several labs may each add dsN.lab.test (the first block wins), so each line also
 * carries a name unique to the lab: `<lab>-dsN`.
 */
export function hostsLines(hosts: { name: string; address: string }[], lab?: string): string[] {
  return hosts.map((h) => `${h.address} ${fqdn(h.name)} ${h.name}${lab ? ` ${lab}-${h.name}` : ''}`);
}

function hostsFileText(hosts: { name: string; address: string }[]): string {
  return ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback', ...hostsLines(hosts), ''].join('\n');
}

function dirsrvIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'dirsrv']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'dirsrv']).toString().trim());
  return { uid, gid };
}

/**
 * A host's private directories, seeded like a fresh install: /etc/dirsrv with the package's
 * config, empty /var/lib/dirsrv and /var/log/dirsrv owned by dirsrv, a new SSH host key, and the
 * lab's public key as root's only authorized key.
 */
export async function prepareHostDirs(
  lab: string,
  host: string,
  address: string,
  log: string,
  extraDirs: PrivateDir[] = [],
): Promise<{ hostKeyLine: string }> {
  const p = labPaths(lab);
  const base = p.host(host);
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true, mode: 0o755 });
  for (const d of PRIVATE_DIRS) {
    await mkdir(join(base, d.dir), { recursive: true });
    await chmod(join(base, d.dir), d.mode);
  }
  const { uid, gid } = dirsrvIds();
  await cp('/etc/dirsrv', join(base, 'etc-dirsrv'), { recursive: true, preserveTimestamps: true });
  for (const d of ['etc-dirsrv', 'var-lib-dirsrv']) await chown(join(base, d), uid, gid);
  await chmod(join(base, 'var-lib-dirsrv'), 0o750);
  await mkdir(join(base, 'var-log', 'dirsrv'), { mode: 0o750 });
  await chown(join(base, 'var-log', 'dirsrv'), uid, gid);
  // A profile's own data directories: the init script bind-mounts each line "<dir> <path>".
  for (const d of extraDirs) {
    await mkdir(join(base, d.dir), { recursive: true, mode: d.mode });
    await chmod(join(base, d.dir), d.mode);
    if (d.owner) {
      const ids = (flag: string) => Number(execFileSync('id', [flag, d.owner!]).toString().trim());
      await chown(join(base, d.dir), ids('-u'), ids('-g'));
    }
  }
  await writeFile(join(base, 'mounts'), extraDirs.map((d) => `${d.dir} ${d.path}\n`).join(''), { mode: 0o644 });

  const ssh = join(base, 'etc-ssh');
  for (const f of ['ssh_config', 'moduli']) await copyFile(join('/etc/ssh', f), join(ssh, f)).catch(() => undefined);
  await writeFile(join(ssh, 'sshd_config'), sshdConfig(address), { mode: 0o644 });
  const key = join(ssh, 'ssh_host_ed25519_key');
  await runLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', fqdn(host), '-f', key], { log });
  const pub = (await readFile(`${key}.pub`, 'utf8')).trim().split(/\s+/);
  const hostKeyLine = `${host},${fqdn(host)},${lab}-${host},${address} ${pub[0]} ${pub[1]}`;

  const root = join(base, 'root');
  await mkdir(join(root, '.ssh'), { mode: 0o700 });
  await copyFile(p.publicKey, join(root, '.ssh', 'authorized_keys'));
  await chmod(join(root, '.ssh', 'authorized_keys'), 0o600);
  return { hostKeyLine };
}

/** Key-only root login on the host's own address; generous limits for parallel sessions. */
function sshdConfig(address: string): string {
  return [
    `ListenAddress ${address}:22`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PidFile /run/sshd.pid',
    'MaxStartups 64:30:128',
    'MaxSessions 32',
    'UseDNS no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/**
 * Runs inside `ip netns exec NS unshare --mount --uts --pid --fork --propagation private`, as the
 * new PID namespace's PID 1: gives the host its name and private directories, then becomes sshd,
 * so killing that one process is a host crash.
 */
const HOST_INIT = `#!/bin/sh
set -eu
HOSTDIR=$1
FQDN=$2
LABDIR=$3
hostname "$FQDN"
mount -t proc proc /proc
mount --bind "$HOSTDIR/etc-ssh" /etc/ssh
mount --bind "$HOSTDIR/root" /root
mount --bind "$HOSTDIR/var-tmp" /var/tmp
mount --bind "$HOSTDIR/var-log" /var/log
mount --bind "$HOSTDIR/etc-dirsrv" /etc/dirsrv
mount --bind "$HOSTDIR/var-lib-dirsrv" /var/lib/dirsrv
mount --bind "$LABDIR/hosts" /etc/hosts
mount --bind "$LABDIR/defaults.inf" /usr/share/dirsrv/inf/defaults.inf
mount --bind "$HOSTDIR/tmp" /tmp
while read -r d p; do mount --bind "$HOSTDIR/$d" "$p"; done < "$HOSTDIR/mounts"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# No systemd-tmpfiles here: ns-slapd refuses to start without these.
mkdir -p /run/sshd /run/dirsrv /run/lock/dirsrv
chown dirsrv:dirsrv /run/dirsrv /run/lock/dirsrv
chmod 0770 /run/dirsrv /run/lock/dirsrv
echo "lab host $FQDN up"
exec /usr/sbin/sshd -D -e
`;
