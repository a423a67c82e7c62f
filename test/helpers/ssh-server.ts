/**
 * An in-process SSH server for tests: real `sh -c` processes, SFTP on the real filesystem,
 * direct-tcpip forwarding (so it can be a jump host). One per simulated host, each on its own port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel, Session } from 'ssh2';
import { knownHostsLine } from '../../src/transport/known-hosts-format.ts';
import { serveSftp, type InFlight } from './ssh-server-sftp.ts';
import { generateOpenSshEd25519 } from './openssh-key.ts';

const { Server, utils } = ssh2;

export interface TestSshServerOptions {
  /** OpenSSH private key text of the host key; a fresh ed25519 key when absent. */
  hostKey?: string;
  /** Reject every authentication attempt. */
  failAuth?: boolean;
  /** Reuse a client key pair (e.g. one key for several servers). */
  clientKey?: { private: string; public: string };
  /** Extra environment for the commands (e.g. a PATH with a fake `sudo` first). */
  env?: Record<string, string>;
  /** Refuse direct-tcpip (forwardOut) requests. */
  noForwarding?: boolean;
}

export interface TestSshServer {
  port: number;
  host: string;
  /** Per-server working directory; also HOME of its commands. */
  dir: string;
  hostKeyPath: string;
  hostPrivateKey: string;
  hostPublicKey: string;
  clientKeyPath: string;
  clientPublicKey: string;
  commands: { command: string; time: number }[];
  /** Connections not yet authenticated right now, and the most there ever were at once. */
  handshakes: { inFlight: number; max: number };
  /** SFTP reads being served right now, and the most there ever were at once (reset max to measure again). */
  sftpReads: InFlight;
  /** direct-tcpip (forwardOut / ProxyJump) requests this server carried. */
  forwards: { host: string; port: number; time: number }[];
  /** A known_hosts line for this server's key: `[127.0.0.1]:PORT ssh-ed25519 AAAA...` by default. */
  hostPublicKeyLine(name?: string): string;
  close(): Promise<void>;
}

/** A fresh ed25519 pair; never ssh2's generator, whose keys fail to parse about 1 time in 256. */
export function generateEd25519(): { private: string; public: string } {
  return generateOpenSshEd25519();
}

export async function startTestSshServer(opts: TestSshServerOptions = {}): Promise<TestSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-sshd-'));
  const hostKey = opts.hostKey ?? generateEd25519().private;
  const hostParsed = utils.parseKey(hostKey);
  if (hostParsed instanceof Error) throw hostParsed;
  const hostPublicKey = `${hostParsed.type} ${hostParsed.getPublicSSH().toString('base64')}`;
  const client = opts.clientKey ?? generateEd25519();
  const clientParsed = utils.parseKey(client.public);
  if (clientParsed instanceof Error) throw clientParsed;
  const hostKeyPath = join(dir, 'ssh_host_key');
  const clientKeyPath = join(dir, 'client_key');
  writeFileSync(hostKeyPath, hostKey, { mode: 0o600 });
  writeFileSync(clientKeyPath, client.private, { mode: 0o600 });
  writeFileSync(clientKeyPath + '.pub', client.public + '\n');

  const commands: { command: string; time: number }[] = [];
  const forwards: { host: string; port: number; time: number }[] = [];
  const children = new Set<ChildProcess>();
  const connections = new Set<Connection>();
  const env = { ...process.env, HOME: dir, ...opts.env };

  const expectedBlob = clientParsed.getPublicSSH();
  const handshakes = { inFlight: 0, max: 0 };
  const sftpReads = { inFlight: 0, max: 0 };
  const server = new Server({ hostKeys: [hostKey], ident: 'OpenSSH_9.2p1' }, (conn) => {
    connections.add(conn);
    handshakes.max = Math.max(handshakes.max, ++handshakes.inFlight);
    let shaking = true;
    const handshakeOver = () => {
      if (shaking) handshakes.inFlight--;
      shaking = false;
    };
    conn.on('ready', handshakeOver);
    conn.on('close', handshakeOver);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => {
      if (opts.failAuth || ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const blob = ctx.key.data;
      const same = blob.length === expectedBlob.length && timingSafeEqual(blob, expectedBlob);
      if (!same) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether this key would do.
      if (!ctx.signature) return ctx.accept();
      if (clientParsed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      return ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => handleSession(accept(), dir, env, commands, children, sftpReads));
      conn.on('tcpip', (accept, reject, info) => {
        if (opts.noForwarding) return reject();
        forwards.push({ host: info.destIP, port: info.destPort, time: Date.now() });
        const sock = netConnect(info.destPort, info.destIP);
        sock.once('connect', () => {
          sock.setNoDelay(true);
          const ch = accept();
          ch.pipe(sock).pipe(ch);
          ch.on('error', () => sock.destroy());
          sock.on('error', () => ch.destroy());
        });
        sock.once('error', () => reject());
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    host: '127.0.0.1',
    dir,
    hostKeyPath,
    hostPrivateKey: hostKey,
    hostPublicKey,
    clientKeyPath,
    clientPublicKey: client.public,
    commands,
    forwards,
    handshakes,
    sftpReads,
    hostPublicKeyLine: (name = '127.0.0.1') => knownHostsLine(name, port, hostPublicKey),
    close: async () => {
      for (const c of children) c.kill('SIGKILL');
      for (const c of connections) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function handleSession(
  session: Session,
  dir: string,
  env: NodeJS.ProcessEnv,
  commands: { command: string; time: number }[],
  children: Set<ChildProcess>,
  sftpReads: InFlight,
): void {
  let child: ChildProcess | undefined;
  const sessionEnv: Record<string, string> = {};
  session.on('env', (accept, _reject, info) => {
    sessionEnv[info.key] = info.val;
    accept?.();
  });
  session.on('pty', (_accept, reject) => reject?.());
  session.on('signal', (accept, _reject, info) => {
    accept?.();
    child?.kill(`SIG${info.name}` as NodeJS.Signals);
  });
  session.on('exec', (accept, _reject, info) => {
    commands.push({ command: info.command, time: Date.now() });
    const stream = accept();
    child = spawn('sh', ['-c', info.command], { cwd: dir, env: { ...env, ...sessionEnv }, stdio: 'pipe' });
    children.add(child);
    runChild(child, stream, () => children.delete(child!));
  });
  session.on('sftp', (accept) => serveSftp(accept(), dir, sftpReads));
}

function runChild(child: ChildProcess, stream: ServerChannel, done: () => void): void {
  stream.pipe(child.stdin!);
  child.stdin!.on('error', () => undefined);
  child.stdout!.pipe(stream, { end: false });
  child.stderr!.pipe(stream.stderr, { end: false });
  stream.on('error', () => undefined);
  child.on('error', (err) => {
    stream.stderr.write(`${err.message}\n`);
    stream.exit(127);
    stream.end();
    done();
  });
  child.on('close', (code, signal) => {
    done();
    if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
    else stream.exit(code ?? 0);
    stream.end();
  });
}
