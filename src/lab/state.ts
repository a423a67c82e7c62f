import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { labPaths } from './names.ts';

export interface PrivateDir {
  path: string;
  dir: string;
  mode: number;
  /** User (name) that owns it. */
  owner?: string;
}

/** What the lab created, recorded as it is created, so `down` removes exactly that and no more. */
export interface LabHostState {
  name: string;
  index: number;
  address: string;
  netns: string;
  veth: string;
  /** Outer pid of the `unshare` process that holds the host's namespaces. */
  unsharePid?: number;
  /** Outer pid of the host's PID 1 (sshd). */
  pid1?: number;
  /** `lab kill` ran: processes gone, data removed. */
  killed?: boolean;
}

export interface LabState {
  name: string;
  created: string;
  subnetOctet: number;
  bridge?: string;
  controllerAddress: string;
  hostsBlock?: boolean;
  /** An iptables FORWARD rule lets bridged traffic pass (br_netfilter + DROP policy). */
  forwardRule?: boolean;
  inventoryFile?: string;
  topology?: string;
  /** 389-ds instance name on every host (absent: the default, `lab`). */
  instance?: string;
  /** Profile whose lab this is (absent: 389ds). */
  profile?: string;
  /** More private directories per host, bind-mounted over `path` by the host's init (a profile's data). */
  privateDirs?: PrivateDir[];
  hosts: LabHostState[];
}

export async function readState(lab: string): Promise<LabState | undefined> {
  const file = labPaths(lab).stateFile;
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as LabState;
}

let writes: Promise<void> = Promise.resolve();

/**
 * Written through a temp file so a crash never leaves half a state file; writes are queued
 * because hosts start in parallel and each records its pids.
 */
export function writeState(state: LabState): Promise<void> {
  const file = labPaths(state.name).stateFile;
  const text = JSON.stringify(state, null, 2) + '\n';
  const next = writes.then(async () => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, text, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  });
  writes = next.catch(() => undefined);
  return next;
}
