import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { InputError } from '../util/errors.ts';

/**
 * Every machine-wide name a lab touches (bridge, veths, namespaces, subnet, /etc/hosts block) is
 * derived from the lab's name, so two labs can coexist and `lab down` finds exactly its own.
 */

export const LAB_ROOT = process.env.LIFEBOAT_LAB_ROOT ?? '/var/lib/lifeboat-lab';
export const DOMAIN = 'lab.test';

/** Linux interface names are at most 15 bytes: `<name>-ds8` and `<name>br0` must fit. */
export function checkLabName(name: string): string {
  if (!/^[a-z][a-z0-9]{0,8}$/.test(name)) {
    throw new InputError(`lab name "${name}" must be 1-9 lower-case letters or digits, starting with a letter`);
  }
  return name;
}

export function hostName(index: number): string {
  return `ds${index}`;
}

export function hostIndex(host: string): number {
  // A profile's lab may name its hosts otherwise (letters + index); the lab's state has the list.
  const m = /^[a-z]{1,4}([1-9])$/.exec(host);
  if (!m) throw new InputError(`unknown lab host "${host}" (expected ds1..ds8, or the host names of a profile's lab)`);
  return Number(m[1]);
}

export function fqdn(host: string): string {
  return `${host}.${DOMAIN}`;
}

export function bridgeName(lab: string): string {
  return `${lab}br0`;
}

/** Root-namespace end of a host's veth pair: the end `lab cut` takes down. */
export function vethName(lab: string, host: string): string {
  return `${lab}-${host}`;
}

/** Temporary name of the host end before it moves into the namespace and becomes eth0. */
export function vethPeerName(lab: string, host: string): string {
  return `${lab}-${host}p`;
}

export function netnsName(lab: string, host: string): string {
  return `lifeboat-${lab}-${host}`;
}

/** Third octet of the lab's 10.213.X.0/24, stable per name; `up` moves on if it is taken. */
export function preferredSubnetOctet(lab: string): number {
  const h = createHash('sha256').update(lab).digest();
  return 1 + (h.readUInt16BE(0) % 250);
}

export function hostAddress(octet: number, index: number): string {
  return `10.213.${octet}.${index}`;
}

/** The controller's address on the bridge (root namespace). */
export function controllerAddress(octet: number): string {
  return `10.213.${octet}.254`;
}

export interface LabPaths {
  dir: string;
  stateFile: string;
  logDir: string;
  privateKey: string;
  publicKey: string;
  knownHosts: string;
  secretsDir: string;
  dmPasswordFile: string;
  replPasswordFile: string;
  hostsFile: string;
  defaultsInf: string;
  initScript: string;
  host(host: string): string;
}

export function labPaths(lab: string): LabPaths {
  const dir = join(LAB_ROOT, lab);
  return {
    dir,
    stateFile: join(dir, 'state.json'),
    logDir: join(dir, 'logs'),
    privateKey: join(dir, 'id_ed25519'),
    publicKey: join(dir, 'id_ed25519.pub'),
    knownHosts: join(dir, 'known_hosts'),
    secretsDir: join(dir, 'secrets'),
    dmPasswordFile: join(dir, 'secrets', 'dm_password'),
    replPasswordFile: join(dir, 'secrets', 'repl_password'),
    hostsFile: join(dir, 'hosts'),
    defaultsInf: join(dir, 'defaults.inf'),
    initScript: join(dir, 'host-init.sh'),
    host: (host: string) => join(dir, host),
  };
}

/** Directories each host gets privately, bind-mounted over the system path inside its namespace. */
export const PRIVATE_DIRS: { path: string; dir: string; mode: number; owner?: 'dirsrv' }[] = [
  { path: '/etc/ssh', dir: 'etc-ssh', mode: 0o755 },
  { path: '/root', dir: 'root', mode: 0o700 },
  { path: '/tmp', dir: 'tmp', mode: 0o1777 },
  { path: '/var/tmp', dir: 'var-tmp', mode: 0o1777 },
  { path: '/var/log', dir: 'var-log', mode: 0o755 },
  { path: '/etc/dirsrv', dir: 'etc-dirsrv', mode: 0o755 },
  { path: '/var/lib/dirsrv', dir: 'var-lib-dirsrv', mode: 0o755 },
];
