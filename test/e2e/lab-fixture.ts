import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../src/inventory/index.ts';
import type { Inventory } from '../../src/inventory/types.ts';
import { labDown, readState } from '../../src/lab/index.ts';
import { labUp } from '../../src/profiles/389ds/lab/up.ts';
import type { LabTopology } from '../../src/profiles/389ds/lab/topology.ts';
import { labStatus } from '../../src/profiles/389ds/lab/status.ts';
import type { LabCaOptions } from '../../src/profiles/389ds/lab/inventory-file.ts';
import { SshPool } from '../../src/transport/index.ts';
import type { RemoteHost } from '../../src/transport/types.ts';
import { ldapModify, ldapSearch, type LdapEntry } from '../../src/profiles/389ds/actions/ldap.ts';

/**
 * Shared set-up for end-to-end tests on the real lab. e2e files run one at a time (vitest config),
 * so one lab per name can be reused from file to file when it is still healthy.
 */

/**
 * The lab name an e2e file uses: its base name plus LIFEBOAT_LAB_TAG (one or two lower-case letters
 * or digits), so several checkouts on one machine can run their e2e suites without sharing a lab.
 */
export function e2eLabName(base: string): string {
  const tag = process.env.LIFEBOAT_LAB_TAG ?? '';
  if (!/^[a-z0-9]{0,2}$/.test(tag)) throw new Error(`LIFEBOAT_LAB_TAG "${tag}" must be at most 2 lower-case letters or digits`);
  return base + tag;
}

/** Why e2e tests cannot run here, or undefined. In CI they must run: no skip there, a failure instead. */
export function labSkipReason(): string | undefined {
  const root = process.getuid?.() === 0;
  if (root) return undefined;
  if (process.env.CI) return undefined; // run and fail loudly: CI must not skip silently
  return 'e2e lab tests need root (network namespaces, a bridge, /etc/hosts); run `sudo npm test` or set CI=true as root';
}

export interface LabFixture {
  name: string;
  inventoryFile: string;
  inventory: Inventory;
  pool: SshPool;
  /** Phase timings of `lab up` (empty when an existing lab was reused). */
  phases: Record<string, number>;
  remote(host: string): Promise<RemoteHost>;
  search(host: string, base: string, scope?: 'base' | 'one' | 'sub', filter?: string, attrs?: string[]): Promise<LdapEntry[]>;
  modify(host: string, ldif: string): Promise<void>;
  /** Closes the SSH connections (the lab keeps running). */
  close(): Promise<void>;
  /** Closes connections and removes the lab. */
  down(): Promise<void>;
}

export interface WithLabOptions {
  name: string;
  hosts?: number;
  entries?: number;
  topology?: LabTopology;
  /** Always build a new lab (tests that break it should ask for a fresh one). */
  fresh?: boolean;
  /** The CA suffix's own topology and replica ids (lab up --ca-topology / --ca-own-ids). */
  ca?: LabCaOptions;
  /** Instance name and main suffix (lab up --instance / --suffix). */
  instance?: string;
  suffix?: string;
}

/** True when the lab exists with that many hosts, all running, links up, agreements healthy. */
export async function labHealthy(name: string, hosts: number): Promise<boolean> {
  const state = await readState(name);
  if (!state || state.hosts.length !== hosts || !state.inventoryFile || !existsSync(state.inventoryFile)) return false;
  try {
    const s = await labStatus(name);
    return s.hosts.every((h) => h.running && h.linkUp && !h.error && h.agreements.length > 0 && h.agreements.every((a) => a.enabled && /succeeded|in progress/i.test(a.status)));
  } catch {
    return false;
  }
}

/** Brings up (or reuses) a lab and returns handles to reach its hosts through Lifeboat's transport. */
export async function withLab(opts: WithLabOptions): Promise<LabFixture> {
  const hosts = opts.hosts ?? 4;
  const phases: Record<string, number> = {};
  let inventoryFile: string;
  const existing = await readState(opts.name);
  if (!opts.fresh && existing?.inventoryFile && (await labHealthy(opts.name, hosts))) {
    inventoryFile = existing.inventoryFile;
  } else {
    const dir = await mkdtemp(join(tmpdir(), `lifeboat-${opts.name}-`));
    ({ inventoryFile } = await labUp({
      name: opts.name,
      hosts,
      entries: opts.entries ?? 200,
      topology: opts.topology ?? 'mesh',
      ca: opts.ca,
      instance: opts.instance,
      suffix: opts.suffix,
      out: join(dir, 'inventory.yaml'),
      recreate: true,
      onPhase: (p, ms) => (phases[p] = ms),
    }));
  }
  const inventory = await loadInventory(inventoryFile);
  const pool = new SshPool(inventory, { sshConfigPath: null });
  const instance = String(inventory.vars.instance ?? 'lab');
  const fixture: LabFixture = {
    name: opts.name,
    inventoryFile,
    inventory,
    pool,
    phases,
    remote: (host) => pool.get(host),
    search: async (host, base, scope = 'base', filter, attrs) => ldapSearch(await pool.get(host), instance, base, scope, filter, attrs, { timeoutMs: 10_000 }),
    modify: async (host, ldif) => ldapModify(await pool.get(host), instance, ldif, { timeoutMs: 30_000 }),
    close: () => pool.closeAll(),
    down: async () => {
      await pool.closeAll();
      await labDown(opts.name);
    },
  };
  return fixture;
}

/** Polls until `check` returns true or `ms` pass; resolves to the time it took, or undefined. */
export async function within(ms: number, check: () => Promise<boolean>, everyMs = 100): Promise<number | undefined> {
  const t0 = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > ms) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
