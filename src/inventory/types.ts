import type { SourceLocation } from '../source/location.ts';

/** A reference to a secret: never inline by necessity. `value` exists for tests and labs only. */
export type SecretRef = { env: string } | { file: string } | { value: string };

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

export interface SshSettings {
  user: string;
  port: number;
  identityFile?: string;
  /** Path of the known_hosts file used for verification (default ~/.ssh/known_hosts). */
  knownHosts?: string;
  hostKeyPolicy: HostKeyPolicy;
  /** Name of an inventory host, or `user@host:port`, to jump through (ProxyJump). */
  jump?: string;
  /** Run commands through `sudo` on the remote side. */
  become: boolean;
  becomePassword?: SecretRef;
  useAgent: boolean;
  connectTimeoutMs: number;
  keepaliveMs: number;
  connectRetries: number;
}

export interface InventoryHost {
  name: string;
  address: string;
  roles: string[];
  groups: string[];
  vars: Record<string, unknown>;
  ssh: SshSettings;
}

export interface Inventory {
  /** Absolute path of the file it was read from. */
  file: string;
  cluster: string;
  /** Product profile: `389ds`, `ipa`, `keytrustee`. */
  profile: string;
  vars: Record<string, unknown>;
  hosts: InventoryHost[];
  groups: Record<string, string[]>;
  secrets: Record<string, SecretRef>;
  /** Things worth fixing that do not stop a run (e.g. a secret written in clear text), with file:line:col. */
  warnings?: string[];
  /** Host name -> where the inventory wrote the identity_file that host uses (errors about the key point there). */
  identityFileAt?: Record<string, SourceLocation>;
  /** Host name -> where its address (or, without one, its name) is written. */
  addressAt?: Record<string, SourceLocation>;
}
