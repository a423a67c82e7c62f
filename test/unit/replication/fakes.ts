import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext, ActionEvent } from '../../../src/actions/types.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import type { ExecOptions, ExecResult, RemoteHost } from '../../../src/transport/types.ts';

export interface Call {
  host: string;
  command: string;
  stdin?: string;
}

export type Responder = (call: Call) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export function fakeRemote(name: string, calls: Call[], respond: Responder): RemoteHost {
  return {
    name,
    async exec(command: string, opts: ExecOptions = {}) {
      const call: Call = { host: name, command, stdin: typeof opts.stdin === 'string' ? opts.stdin : undefined };
      calls.push(call);
      const r = await respond(call);
      return { command, code: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...r };
    },
    async put() {
      throw new Error('not used');
    },
    async get() {
      throw new Error('not used');
    },
    async close() {},
  };
}

const ssh = { user: 'root', port: 22, hostKeyPolicy: 'strict' as const, become: false, useAgent: false, connectTimeoutMs: 1000, keepaliveMs: 0, connectRetries: 0 };

export function labInventory(n = 4, roles: Record<string, string[]> = {}): Inventory {
  const hosts: InventoryHost[] = Array.from({ length: n }, (_, i) => ({
    name: `ds${i + 1}`,
    address: `10.213.7.${i + 1}`,
    roles: roles[`ds${i + 1}`] ?? [],
    groups: [],
    vars: { replica_id: i + 1 },
    ssh,
  }));
  return { file: '/tmp/lab.yaml', cluster: 'lab', profile: '389ds', vars: { instance: 'lab', suffixes: ['dc=lab,dc=test'], ca_suffix: 'o=ipaca' }, hosts, groups: {}, secrets: {} };
}

export function context(
  inv: Inventory,
  host: string,
  args: Record<string, unknown>,
  respond: Responder,
  extra: { vars?: Record<string, unknown>; runDir?: string } = {},
): { ctx: ActionContext; calls: Call[]; events: ActionEvent[] } {
  const calls: Call[] = [];
  const events: ActionEvent[] = [];
  const remotes = new Map<string, RemoteHost>();
  const ctx: ActionContext = {
    host: inv.hosts.find((h) => h.name === host)!,
    inventory: inv,
    args,
    vars: extra.vars ?? {},
    async connect(other?: string) {
      const n = other ?? host;
      if (!remotes.has(n)) remotes.set(n, fakeRemote(n, calls, respond));
      return remotes.get(n)!;
    },
    async secret() {
      return 'unused';
    },
    signal: new AbortController().signal,
    emit: (e) => events.push({ host, ...e } as ActionEvent),
    runDir: extra.runDir ?? mkdtempSync(join(tmpdir(), 'lifeboat-repl-')),
    check: false,
  };
  return { ctx, calls, events };
}

/** ldapsearch -LLL output for agreements of a host: `to` = peer host numbers. */
export function agreementLdif(suffix: string, peers: { to: number; enabled?: boolean; extra?: Record<string, string> }[]): string {
  return peers
    .map((p) =>
      [
        `dn: cn=to-ds${p.to},cn=replica,cn=${suffix.replace(/=/g, '\\3D').replace(/,/g, '\\2C')},cn=mapping tree,cn=config`,
        'objectClass: nsds5replicationagreement',
        `cn: to-ds${p.to}`,
        `nsDS5ReplicaRoot: ${suffix}`,
        `nsDS5ReplicaHost: ds${p.to}.lab.test`,
        'nsDS5ReplicaPort: 389',
        ...(p.enabled === false ? ['nsds5ReplicaEnabled: off'] : p.enabled === true ? ['nsds5ReplicaEnabled: on'] : []),
        ...Object.entries(p.extra ?? {}).map(([k, v]) => `${k}: ${v}`),
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

/** A server's replication config as topology.discover reads it: per suffix a replica id and agreements to `to` hosts. */
export function replicationLdif(suffixes: { suffix: string; id: number; to: number[]; type?: number; flags?: number }[]): string {
  const role = (s: { type?: number; flags?: number }) => (s.type !== undefined ? `nsDS5ReplicaType: ${s.type}\nnsDS5Flags: ${s.flags ?? 0}\n` : '');
  const replicas = suffixes.map((s) => `dn: cn=replica,cn=${s.suffix},cn=mapping tree,cn=config\nobjectClass: nsds5replica\nnsDS5ReplicaRoot: ${s.suffix}\nnsDS5ReplicaId: ${s.id}\n${role(s)}`);
  return [...replicas, ...suffixes.map((s) => agreementLdif(s.suffix, s.to.map((to) => ({ to }))))].join('\n');
}

/** The RUV tombstone naming suppliers `{replica id ldap://dsN.lab.test:389}`. */
export function ruvLdif(suffix: string, suppliers: { id: number; host: string }[]): string {
  return [`dn: nsuniqueid=ffffffff-ffffffff-ffffffff-ffffffff,${suffix}`, '{replicageneration} 5f000000000000010000'.replace(/^/, 'nsds50ruv: '), ...suppliers.map((s) => `nsds50ruv: {replica ${s.id} ldap://${s.host}:389} 5f0000000000${s.id}0000 5f0000000001${s.id}0000`)].join('\n') + '\n';
}

/** Answers topology.discover's two searches (config, then each suffix's RUV) from a per-host description. */
export function topologyResponder(byHost: Record<string, { suffix: string; id: number; to: number[]; type?: number; flags?: number }[]>, ruv: Record<string, { id: number; host: string }[]> = {}): Responder {
  return (c) => {
    const cfg = byHost[c.host] ?? [];
    if (c.command.includes("'cn=mapping tree,cn=config'")) return { stdout: replicationLdif(cfg) };
    const s = cfg.find((x) => c.command.includes(`-b '${x.suffix}'`));
    if (s) return { stdout: ruvLdif(s.suffix, ruv[s.suffix] ?? []) };
    return { code: 32 };
  };
}
