/**
 * Opens one ssh2 connection: TCP (or a jump host's forwarded stream) with no Nagle delay, host key
 * checked against known_hosts before authentication completes, retries with backoff for servers
 * that drop handshakes under load (OpenSSH MaxStartups).
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client as ClientType, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import type { HostKeyPolicy } from '../inventory/types.ts';
import { connectBackoffMs } from '../source/bounds.ts';
import { HostKeyError } from './host-key-error.ts';
import { explainConnectError } from './connect-error.ts';
import { appendKnownHost, checkHostKey, knownKeyTypes } from './known-hosts.ts';
import { fingerprint, knownHostsName } from './known-hosts-format.ts';

/** ssh2 (~0.4 s to load) is loaded by the first connection: `plan` and `--help` never pay for it. */
let ssh2Client: Promise<typeof ClientType> | undefined;
const loadClient = () => (ssh2Client ??= import('ssh2').then((m) => m.default.Client));

export interface ConnectTarget {
  /** Inventory name, for messages. */
  name: string;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  passphrase?: string;
  /** ssh-agent socket, when agent auth is wanted. */
  agent?: string;
  knownHosts: string;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveMs: number;
  connectRetries: number;
}

export type ConnectEvent = (message: string) => void;

const DEFAULT_HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Known key types first, as OpenSSH does, so a host with several keys shows the one we know. */
export function hostKeyAlgorithms(knownTypes: string[]): string[] {
  const first: string[] = [];
  for (const t of knownTypes) {
    if (t === 'ssh-rsa') first.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (DEFAULT_HOST_KEY_ALGOS.includes(t)) first.push(t);
  }
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGOS])];
}

function isPermanent(err: Error): boolean {
  return err instanceof HostKeyError || /authentication methods failed|passphrase|private key/i.test(err.message) || isUnreachable(err);
}

/**
 * No route, or nobody answered ARP: the kernel already waited ~3 s before saying so, and asking
 * again does not bring the host back. Retries are for sshd dropping handshakes (MaxStartups); a
 * powered-off host listed in an 8-host inventory cost 4 tries (~12.6 s) at connect and again in
 * the fence check: a 25.5 s run to learn it is down.
 */
export function isUnreachable(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Backoff before retry `attempt` (0-based): 100 ms x 2^n capped at CONNECT_BACKOFF_MAX_MS, drawn at
 * random from its upper half.
 * The jitter matters when many connections are refused at once (sshd's MaxStartups drops
 * handshakes past 10 in flight): without it they all come back in the same instant and collide
 * again.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const cap = connectBackoffMs(attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * `makeSock` gives a fresh transport per attempt (a TCP socket, or a stream forwarded through a
 * jump host). Retries wait retryDelayMs (jittered exponential backoff, capped at CONNECT_BACKOFF_MAX_MS).
 */
export async function connectWithRetries(t: ConnectTarget, makeSock: () => Promise<Duplex>, onEvent: ConnectEvent): Promise<ClientType> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectOnce(await loadClient(), t, await makeSock(), onEvent);
    } catch (err) {
      const e = err as Error;
      if (isPermanent(e) || attempt >= t.connectRetries) throw explainConnectError(e, t);
      const wait = retryDelayMs(attempt);
      onEvent(`connect attempt ${attempt + 1} failed (${e.message}); retrying in ${wait} ms`);
      await sleep(wait);
    }
  }
}

export function tcpSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.setNoDelay(true); // without it each request stalls ~40 ms (measured)
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function connectOnce(Client: typeof ClientType, t: ConnectTarget, sock: Duplex, onEvent: ConnectEvent): Promise<ClientType> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: HostKeyError | undefined;
    const cfg: ConnectConfig = {
      sock,
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: t.keepaliveMs,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(t.knownHosts, t.host, t.port)) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        if (t.hostKeyPolicy === 'off') return true;
        const fp = fingerprint(key);
        const check = checkHostKey(t.knownHosts, t.host, t.port, key);
        if (check.status === 'ok') return true;
        if (check.status === 'unknown' && t.hostKeyPolicy === 'accept-new') {
          const line = appendKnownHost(t.knownHosts, t.host, t.port, key);
          onEvent(`accepted new host key ${fp} for ${knownHostsName(t.host, t.port)}, written to ${t.knownHosts}:${line}`);
          return true;
        }
        hostKeyError = new HostKeyError(t.name, fp, check.status === 'unknown' ? undefined : check.where, check.status, {
          file: t.knownHosts, name: knownHostsName(t.host, t.port), address: t.host, port: t.port,
        });
        return false;
      },
    };
    if (t.identityFile) cfg.privateKey = readFileSync(t.identityFile);
    if (t.passphrase) cfg.passphrase = t.passphrase;
    if (t.agent) cfg.agent = t.agent;
    // Straight to the methods we have: ssh2 would first try "none" to learn the server's list, one
    // more round trip per handshake (each is a wait for sshd's turn on a busy machine).
    const methods = [...(t.identityFile ? ['publickey' as const] : []), ...(t.agent ? ['agent' as const] : [])];
    if (methods.length > 0) cfg.authHandler = methods;
    let settled = false;
    client.once('ready', () => {
      settled = true;
      client.removeAllListeners('error');
      client.on('error', () => undefined); // later errors surface as 'close' and a failed command
      resolve(client);
    });
    client.on('error', (err) => {
      if (settled) return;
      settled = true;
      client.end();
      sock.destroy();
      reject(hostKeyError ?? err);
    });
    client.once('close', () => {
      if (settled) return;
      settled = true;
      reject(hostKeyError ?? new Error(`connection to ${t.name} closed during handshake`));
    });
    try {
      client.connect(cfg);
    } catch (err) {
      settled = true;
      sock.destroy();
      reject(err);
    }
  });
}
