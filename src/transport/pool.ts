/**
 * One SSH connection per host, opened on first use and reused by every command and transfer.
 * A connection that drops is forgotten, so the next use reconnects.
 */
import type { Duplex, Readable } from 'node:stream';
import type { Client } from 'ssh2';
import type { HostKeyPolicy, Inventory, InventoryHost } from '../inventory/types.ts';
import { resolveSecret } from '../inventory/resolve-secret.ts';
import type { ExecOptions, ExecResult, GetOptions, RemoteHost, TransferResult } from './types.ts';
import { newConnection, type Connection } from './channel.ts';
import { connectWithRetries, tcpSocket, type ConnectTarget } from './connect.ts';
import { execOn } from './exec.ts';
import { hostConnectSettings, jumpSpecSettings } from './host-settings.ts';
import type { BecomeMode } from './remote-command.ts';
import { getFile, putFile } from './sftp-transfer.ts';
import { readSshConfig, type SshConfig } from './ssh-config.ts';
import { Semaphore } from './semaphore.ts';

/** Handshakes in flight to one sshd at most: OpenSSH's default MaxStartups starts dropping past 10. */
export const MAX_HANDSHAKES = 10;

export interface SshPoolOptions {
  /** Overrides every host's `ssh.host_key_policy` (e.g. `--accept-new-host-keys`). */
  hostKeyPolicy?: HostKeyPolicy;
  onEvent?: (e: { host: string; message: string }) => void;
  /** ssh config file to honour; default `~/.ssh/config`, `null` for none. */
  sshConfigPath?: string | null;
}

/** How long closeAll waits for a connection that is still being opened. */
const CLOSE_WAIT_MS = 1000;

export class SshPool {
  private readonly conns = new Map<string, Promise<Connection>>();
  private readonly become = new Map<string, Promise<BecomeMode | undefined>>();
  private readonly sshConfig: SshConfig;

  /** Handshakes in flight per sshd endpoint (host:port). */
  private readonly gates = new Map<string, Semaphore>();

  constructor(
    private readonly inv: Inventory,
    private readonly opts: SshPoolOptions = {},
  ) {
    this.sshConfig = opts.sshConfigPath === null ? { blocks: [] } : readSshConfig(opts.sshConfigPath ?? undefined);
  }

  /** Connects (or reuses the connection) and returns the host. Throws HostKeyError before any command. */
  async get(hostName: string): Promise<RemoteHost> {
    const host = this.host(hostName);
    await this.connection(hostName);
    const become = await this.becomeFor(host);
    return new PooledHost(hostName, this, become);
  }

  /**
   * Ends every connection. One still being opened (a slow or unreachable host when Ctrl-C came) is
   * not waited for beyond CLOSE_WAIT_MS: it ends itself as soon as it is up.
   */
  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(
      all.map((p) => {
        const ended = p.then((c) => endClient(c.client), () => undefined);
        let timer: NodeJS.Timeout | undefined;
        const giveUp = new Promise<void>((res) => (timer = setTimeout(res, CLOSE_WAIT_MS)));
        return Promise.race([ended, giveUp]).finally(() => clearTimeout(timer));
      }),
    );
  }

  /** Closes one host's connection (jump hosts it used stay open for others). */
  async closeHost(hostName: string): Promise<void> {
    const p = this.conns.get(hostName);
    this.conns.delete(hostName);
    if (p) await p.then((c) => endClient(c.client), () => undefined);
  }

  /** @internal The live connection for an inventory host, opening it (and its jump hosts) if needed. */
  connection(hostName: string, chain: string[] = []): Promise<Connection> {
    const existing = this.conns.get(hostName);
    if (existing) return existing;
    if (chain.includes(hostName)) throw new Error(`jump host loop: ${[...chain, hostName].join(' -> ')}`);
    const settings = hostConnectSettings(this.host(hostName), this.sshConfig, this.opts.hostKeyPolicy);
    const p = this.open(hostName, settings.target, settings.jumps, [...chain, hostName]);
    this.remember(hostName, p);
    return p;
  }

  private remember(key: string, p: Promise<Connection>): void {
    this.conns.set(key, p);
    p.then(
      (c) => c.client.once('close', () => this.conns.get(key) === p && this.conns.delete(key)),
      () => this.conns.get(key) === p && this.conns.delete(key),
    );
  }

  private async open(key: string, target: ConnectTarget, jumps: string[], chain: string[]): Promise<Connection> {
    const event = (message: string) => this.opts.onEvent?.({ host: target.name, message });
    let makeSock: () => Promise<Duplex> = () => tcpSocket(target.host, target.port, target.connectTimeoutMs);
    if (jumps.length > 0) {
      const via = await this.hop(jumps, target, chain);
      makeSock = () => forwardTo(via.client, target.host, target.port);
      event(`connecting through ${via.name}`);
    }
    // At most MAX_HANDSHAKES in flight to one sshd: past 10 unauthenticated connections OpenSSH's
    // default MaxStartups (10:30:100) starts dropping them, and retries would only add to the storm.
    const release = await this.handshakeGate(`${target.host}:${target.port}`).acquire();
    try {
      return newConnection(key, await connectWithRetries(target, makeSock, event));
    } finally {
      release();
    }
  }

  private handshakeGate(endpoint: string): Semaphore {
    let gate = this.gates.get(endpoint);
    if (!gate) this.gates.set(endpoint, (gate = new Semaphore(MAX_HANDSHAKES)));
    return gate;
  }

  /** The connection to the last jump hop, each hop reached through the one before it. */
  private hop(jumps: string[], target: ConnectTarget, chain: string[]): Promise<Connection> {
    const last = jumps[jumps.length - 1]!;
    if (this.inv.hosts.some((h) => h.name === last)) return this.connection(last, chain);
    const key = `jump:${jumps.join(',')}`;
    const existing = this.conns.get(key);
    if (existing) return existing;
    const hopTarget = jumpSpecSettings(last, target, this.sshConfig);
    const p = this.open(key, hopTarget, jumps.slice(0, -1), chain);
    this.remember(key, p);
    return p;
  }

  private host(name: string): InventoryHost {
    const h = this.inv.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`unknown host "${name}" (not in ${this.inv.file})`);
    return h;
  }

  private becomeFor(host: InventoryHost): Promise<BecomeMode | undefined> {
    if (!host.ssh.become) return Promise.resolve(undefined);
    let p = this.become.get(host.name);
    if (!p) {
      const ref = host.ssh.becomePassword;
      p = ref ? resolveSecret(ref, `become password of ${host.name}`).then((password) => ({ password })) : Promise.resolve({});
      this.become.set(host.name, p);
    }
    return p;
  }
}

class PooledHost implements RemoteHost {
  constructor(
    readonly name: string,
    private readonly pool: SshPool,
    private readonly becomeMode: BecomeMode | undefined,
  ) {}

  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return execOn(await this.pool.connection(this.name), command, opts, this.becomeMode);
  }

  async put(local: string | Readable, remotePath: string, opts?: { mode?: number; signal?: AbortSignal }): Promise<TransferResult> {
    return putFile(await this.pool.connection(this.name), local, remotePath, opts, this.becomeMode);
  }

  async get(remotePath: string, localPath: string, opts?: GetOptions): Promise<TransferResult> {
    return getFile(await this.pool.connection(this.name), remotePath, localPath, opts, this.becomeMode);
  }

  close(): Promise<void> {
    return this.pool.closeHost(this.name);
  }
}

function forwardTo(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 1000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
