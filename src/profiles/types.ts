import type { Action, ArgSpec } from '../actions/types.ts';
import type { ArchiveLayout } from '../backup/verify.ts';
import type { DrItem } from '../dr/items.ts';
import type { Inventory } from '../inventory/types.ts';
import type { RemoteHost } from '../transport/types.ts';
import type { RunEvent } from '../engine/index.ts';
import type { LabStatus } from '../lab/status.ts';

/** What `lifeboat lab up --profile X` is given; each profile's lab reads the options it knows. */
export interface ProfileLabOptions {
  name: string;
  out: string;
  recreate?: boolean;
  hosts: number;
  entries: number;
  topology: string;
  /** keytrustee: deposits seeded on the active. */
  deposits: number;
  /** 389ds/ipa: the CA suffix's own topology among the CA hosts and independently numbered replica ids. */
  ca?: { topology?: string; ownIds?: boolean };
  /** 389ds: the instance name (slapd-NAME) and the main suffix; the lab's defaults when absent. */
  instance?: string;
  suffix?: string;
  onPhase?: (phase: string, ms: number) => void;
  onProgress?: (message: string) => void;
}

export interface ProfileLab {
  up(opts: ProfileLabOptions): Promise<{ inventoryFile: string }>;
  /** The line `lab up` prints once work has begun (what is being built). */
  banner(opts: ProfileLabOptions): string;
  /** Lines `lab status` adds for this profile (what the lab stands in for, service state). */
  statusNotes?(lab: string): Promise<string[]>;
  /** `lab status` of this profile's lab when it reads more than hosts and processes (389ds: agreements). */
  status?(lab: string): Promise<LabStatus>;
  /** `lab poweron` when the host's servers must be started again too (389ds: the instance). */
  powerOn?(lab: string, host: string): Promise<void>;
}

export interface ProfileRehearsalOptions {
  lab: string;
  scenario: string;
  stateDir: string;
  keep: boolean;
  deposits: number;
  /** 389ds: lab hosts and test entries. */
  hosts: number;
  entries: number;
  /** Every engine event of the recovery run (--verbose). */
  onEvent?: (e: RunEvent) => void;
  log(line: string): void;
}

export interface ProfileRehearsals {
  names: string[];
  run(opts: ProfileRehearsalOptions): Promise<{ ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; files: { markdown: string; json: string } }>;
}

/** The light half of a profile's lab: the shape `lab up` offers in its help and checks before anything starts. */
export interface ProfileLabShape {
  topologies: readonly string[];
  /** Defaults of --instance and --suffix. */
  instance: string;
  suffix: string;
  /** Refuses a bad --instance/--suffix (exit 2). */
  checkShape(o: { instance?: string; suffix?: string }): unknown;
}

/**
 * What the inventory loader needs to know about a profile (src/profiles/<name>/info.ts, listed once
 * in src/profiles/info.ts): light, importing no actions, so the loader and the actions can import it.
 */
export interface ProfileInfo {
  name: string;
  description: string;
  /** Where its shipped playbooks live: always playbooks/<name>/. */
  playbooksDir: string;
  /**
   * A profile whose shipped playbooks serve the names this one does not ship (ipa: 389ds, for
   * lab-provision and rejoin). Declared, so a missing playbook is never hidden by a silent fallback.
   */
  reusesPlaybooksOf?: string;
  /** Roles an inventory host may carry (x-… roles are always allowed). */
  roles: readonly string[];
  /** Inventory vars the profile reads, with their defaults. */
  vars: Record<string, ArgSpec>;
  /** How its actions reach the hosts: `ssh` (default; the run connects to every host first) or `api` (no SSH preflight). */
  reach?: 'ssh' | 'api';
  /** Its `lifeboat rehearse` scenarios (listed in help without loading the profile's code). */
  rehearsalNames?: readonly string[];
  /** Its lab's shape options (389ds: topologies, instance, suffix), read by `lab up` without loading the lab. */
  labShape?: ProfileLabShape;
  /** The heavy half (src/profiles/<name>/index.ts), imported when a command first needs it. */
  load(): Promise<ProfileCode>;
}

/** The heavy half of a profile: its actions and the code behind its lab, rehearsals and backup body. */
export interface ProfileCode {
  /** The profile's own verbs; the builtins (shell, file.*, wait, assert) come on top. */
  actions: Action[];
  /** Checks the profile-owned body of a backup envelope; returns problems (empty = fine). */
  checkBackupBody?(body: unknown): string[];
  /** One line about a backup for `lifeboat backup list` (what, from which release, how encrypted). */
  describeBackupBody?(body: Record<string, unknown>): string;
  /** What the clear payload of its (format-2) backups is, so `backup verify` can read it as such. */
  backupArchive?: ArchiveLayout;
  /** Its own `dr check` items, read-only over the hosts' connections (e.g. keytrustee: the pair in sync). */
  readinessItems?(inv: Inventory, connect: (host: string) => Promise<RemoteHost>): Promise<DrItem[]>;
  lab?: ProfileLab;
  rehearsals?: ProfileRehearsals;
}

/**
 * One product Lifeboat restores: its light info and its loaded code. The rest of the code knows a
 * profile only through the list in src/profiles/info.ts and the lookups of src/profiles/registry.ts,
 * so adding a product is its folder, one line in that list and the README.
 */
export type Profile = ProfileInfo & ProfileCode;
