/**
 * A CONTRACT TEST of the documented CipherTrust Manager backup/cluster API subset, not an
 * appliance: an in-process HTTPS server per node with the state machine seed 003 describes —
 * backups always encrypted with a backup key (the default one when none is named), backups and
 * keys living only on the node that made them, status "In Progress" → "Completed" with one
 * backup or restore at a time, the restore version window, no system restore on a cluster node,
 * and cluster membership (nodes list, remove, new, csr/sign/join). Paths are those of
 * src/profiles/ciphertrust/api-paths.ts.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreWindow } from '../../src/profiles/ciphertrust/version-window.ts';

/** A self-signed certificate for 127.0.0.1, made with openssl at test time. */
export function selfSignedCert(): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lb-ctm-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=ctm-contract',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8'), dir };
}

type Scope = 'system' | 'domain';
interface Key { id: string; name: string; scope: Scope; default: boolean; material: Buffer; createdAt: string }
interface Backup { id: string; scope: Scope; status: string; version: string; backupKey: string; description: string; tied_to_hsm: boolean; domain: string; createdAt: string; blob?: Buffer }
interface Op { operation: 'backup' | 'restore'; id: string; status: string; doneAt: number; restarting: boolean; finish: () => void; message?: string }
type Vault = Record<string, string>;

export interface Cluster { id: string; members: Set<ContractNode>; vault: Vault }

export interface ContractOptions {
  name: string;
  version: string;
  lts?: string[];
  tls: { cert: string; key: string };
  password: string;
  /** How long a backup or restore stays "In Progress" (ms). */
  opMs?: number;
  /** How long a joined node stays "connecting" (ms). */
  joinMs?: number;
  /** Token lifetime the node announces (s). */
  tokenSeconds?: number;
}

const MAGIC = 'CTM-CONTRACT-BACKUP 1\n';

export class ContractNode {
  url = '';
  nodeId = randomUUID();
  up = false;
  version: string;
  keys: Key[] = [];
  backups: Backup[] = [];
  op?: Op;
  cluster?: Cluster;
  /** Requests as `METHOD path`, for tests that prove what was (not) called. */
  calls: string[] = [];
  private own: Vault = {};
  private tokens = new Map<string, number>();
  private server?: Server;
  joiningUntil = 0;

  constructor(readonly o: ContractOptions) {
    this.version = o.version;
    this.keys.push(this.newKey('system', true), this.newKey('domain', true));
  }

  /** The node's key-server data: the cluster's when a member (replicated), its own otherwise. */
  get vault(): Vault {
    return this.cluster ? this.cluster.vault : this.own;
  }
  set vault(v: Vault) {
    if (this.cluster) this.cluster.vault = v;
    else this.own = v;
  }

  get host(): string {
    return new URL(this.url).host;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer({ cert: this.o.tls.cert, key: this.o.tls.key }, (req, res) => {
      this.handle(req, res).catch((e: Error) => send(res, 500, { code: 500, message: e.message }));
    });
    await new Promise<void>((res) => this.server!.listen(port, '127.0.0.1', res));
    const addr = this.server.address();
    this.url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
    this.up = true;
    return this;
  }

  /** The node goes away (power loss): connections refused from now on. */
  async stop(): Promise<void> {
    this.up = false;
    this.server?.closeAllConnections();
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
  }

  private newKey(scope: Scope, isDefault: boolean): Key {
    const id = randomUUID();
    return { id, name: `${scope}-key-${id.slice(0, 8)}`, scope, default: isDefault, material: randomBytes(32), createdAt: new Date().toISOString() };
  }

  private settle(): void {
    if (this.op && this.op.status === 'In Progress' && Date.now() >= this.op.doneAt) this.op.finish();
  }

  private busy(): boolean {
    this.settle();
    return this.op?.status === 'In Progress';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    this.calls.push(`${method} ${path}`);
    const raw = await body(req);
    const json = () => (raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {});

    if (method === 'POST' && path === '/api/v1/auth/tokens') {
      const b = json();
      if (b.name !== 'admin' || b.password !== this.o.password) return send(res, 401, { code: 401, codeDesc: 'Unauthorized', message: 'Invalid user credentials' });
      const jwt = randomBytes(24).toString('base64url');
      const duration = this.o.tokenSeconds ?? 300;
      this.tokens.set(jwt, Date.now() + duration * 1000);
      return send(res, 200, { jwt, duration, token_type: 'Bearer' });
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || (this.tokens.get(auth) ?? 0) < Date.now()) return send(res, 401, { code: 401, codeDesc: 'Unauthorized', message: 'Token is expired or invalid' });

    // The seed: "It is normal to get an error ... HTTP status code: 500" while services restart after a system restore.
    this.settle();
    if (this.op?.restarting && this.op.status === 'In Progress' && Date.now() < this.op.doneAt) {
      return send(res, 500, { code: 500, message: 'Server error: services are restarting' });
    }

    const seg = path.split('/').slice(3); // after /api/v1
    const [a, b, c] = seg;

    if (method === 'GET' && a === 'system' && b === 'info') return send(res, 200, { name: this.o.name, version: this.version });

    if (a === 'backupkeys') {
      if (method === 'GET' && !b) {
        const scope = url.searchParams.get('scope');
        const list = this.keys.filter((k) => !scope || k.scope === scope).map(keyView);
        return send(res, 200, { total: list.length, resources: list });
      }
      if (method === 'POST' && !b) {
        const p = json();
        const scope = (p.scope ?? 'system') as string;
        if (scope !== 'system' && scope !== 'domain') return send(res, 400, { code: 400, message: `scope must be system or domain, not ${JSON.stringify(scope)}` });
        const k = this.newKey(scope, p.default === true);
        if (k.default) for (const x of this.keys) if (x.scope === scope) x.default = false;
        this.keys.push(k);
        return send(res, 201, keyView(k));
      }
      if (method === 'POST' && b === 'upload') {
        const p = json();
        try {
          const f = JSON.parse(Buffer.from(String(p.file), 'base64').toString('utf8')) as { id: string; scope: Scope; salt: string; iv: string; tag: string; data: string };
          if ((p.scope ?? 'system') !== f.scope) return send(res, 400, { code: 400, message: `the key file holds a ${f.scope} scoped key; upload it with scope ${f.scope}` });
          const material = open(scryptSync(String(p.password), Buffer.from(f.salt, 'hex'), 32), f.iv, f.tag, Buffer.from(f.data, 'base64'));
          this.keys = this.keys.filter((k) => k.id !== f.id);
          const k: Key = { id: f.id, name: `${f.scope}-key-${f.id.slice(0, 8)}`, scope: f.scope, default: false, material, createdAt: new Date().toISOString() };
          this.keys.push(k);
          return send(res, 201, keyView(k));
        } catch {
          return send(res, 400, { code: 400, message: 'cannot open the backup key file: wrong password or not a key file' });
        }
      }
      const k = this.keys.find((x) => x.id === b);
      if (!k) return send(res, 404, { code: 404, message: `backup key ${b} not found on this node` });
      if (method === 'POST' && c === 'default') {
        for (const x of this.keys) if (x.scope === k.scope) x.default = x === k;
        return send(res, 200, keyView(k));
      }
      if (method === 'POST' && c === 'download') {
        const password = String(json().password ?? '');
        if (password.length < 8) return send(res, 400, { code: 400, message: 'a password of at least 8 characters protects the key file' });
        const salt = randomBytes(16);
        const sealed = seal(scryptSync(password, salt, 32), k.material);
        const file = { id: k.id, scope: k.scope, salt: salt.toString('hex'), ...sealed };
        return sendBytes(res, Buffer.from(JSON.stringify(file)));
      }
      if (method === 'GET' && !c) return send(res, 200, keyView(k));
    }

    if (method === 'GET' && a === 'backupStatus') {
      if (!this.op) return send(res, 200, {});
      return send(res, 200, { operation: this.op.operation, id: this.op.id, status: this.op.status, ...(this.op.message ? { message: this.op.message } : {}) });
    }

    if (a === 'backups') {
      if (method === 'GET' && !b) {
        const scope = url.searchParams.get('scope');
        const list = this.backups.filter((x) => !scope || x.scope === scope).map(backupView);
        return send(res, 200, { total: list.length, resources: list });
      }
      if (method === 'POST' && !b) return this.createBackup(res, json());
      if (method === 'POST' && b === 'upload') {
        const text = raw.toString('utf8');
        if (!text.startsWith(MAGIC)) return send(res, 400, { code: 400, message: 'not a backup file' });
        const nl = text.indexOf('\n', MAGIC.length);
        const meta = JSON.parse(text.slice(MAGIC.length, nl)) as Backup;
        const scope = url.searchParams.get('scope') ?? 'system';
        if (scope !== meta.scope) return send(res, 400, { code: 400, message: `this is a ${meta.scope} scoped backup; upload it with scope ${meta.scope}` });
        this.backups = this.backups.filter((x) => x.id !== meta.id);
        const bk: Backup = { ...meta, status: 'Completed', blob: raw };
        this.backups.push(bk);
        return send(res, 201, backupView(bk));
      }
      const bk = this.backups.find((x) => x.id === b);
      if (!bk) return send(res, 404, { code: 404, message: `backup ${b} not found on this node` });
      if (method === 'GET' && !c) return send(res, 200, backupView(bk));
      if (method === 'GET' && c === 'download') {
        if (bk.status !== 'Completed' || !bk.blob) return send(res, 409, { code: 409, message: `backup ${bk.id} is ${bk.status}` });
        return sendBytes(res, bk.blob);
      }
      if (method === 'POST' && c === 'restore') return this.restore(res, bk, json());
    }

    if (a === 'cluster') return this.clusterCall(method, b, c, json, res);
    // Node list, CSR signing and node removal live under /api/v1/nodes (the vendor's own client,
    // ThalesGroup/terraform-provider-ciphertrust: URL_SIGN_CERT / URL_NODES = "api/v1/nodes").
    if (a === 'nodes') return this.clusterCall(method, 'nodes', b, json, res, true);
    return send(res, 404, { code: 404, message: `no route ${method} ${path}` });
  }

  private createBackup(res: ServerResponse, p: Record<string, unknown>): void {
    const scope = (p.scope ?? 'system') as string;
    if (scope !== 'system' && scope !== 'domain') return send(res, 400, { code: 400, message: `scope must be system or domain, not ${JSON.stringify(scope)}` });
    if (scope === 'domain' && p.tied_to_hsm === true) return send(res, 400, { code: 400, message: 'tied_to_hsm is invalid for domain scoped backups' });
    const key = p.backupKey ? this.keys.find((k) => k.id === p.backupKey) : this.keys.find((k) => k.scope === scope && k.default);
    if (!key) return send(res, 404, { code: 404, message: p.backupKey ? `backup key ${String(p.backupKey)} not found on this node` : `no default ${scope} backup key` });
    if (key.scope !== scope) return send(res, 400, { code: 400, message: `backup key ${key.id} is ${key.scope} scoped; a ${scope} backup needs a ${scope} scoped key` });
    if (this.busy()) return send(res, 409, { code: 409, message: `another ${this.op!.operation} operation is in progress` });
    const bk: Backup = {
      id: randomUUID(), scope, status: 'In Progress', version: this.version, backupKey: key.id, description: String(p.description ?? ''),
      tied_to_hsm: p.tied_to_hsm === true, domain: String(p.domain ?? 'root'), createdAt: new Date().toISOString(),
    };
    this.backups.push(bk);
    const snapshot = JSON.stringify(this.vault);
    this.op = {
      operation: 'backup', id: bk.id, status: 'In Progress', doneAt: Date.now() + (this.o.opMs ?? 150), restarting: false,
      finish: () => {
        const { blob: _b, ...meta } = { ...bk, status: 'Completed' };
        const sealed = seal(key.material, Buffer.from(snapshot));
        bk.blob = Buffer.concat([Buffer.from(MAGIC + JSON.stringify(meta) + '\n'), Buffer.from(JSON.stringify(sealed))]);
        bk.status = 'Completed';
        this.op!.status = 'Completed';
      },
    };
    send(res, 201, backupView(bk));
  }

  private restore(res: ServerResponse, bk: Backup, p: Record<string, unknown>): void {
    if (bk.status !== 'Completed' || !bk.blob) return send(res, 409, { code: 409, message: `backup ${bk.id} is ${bk.status}` });
    if (bk.scope === 'system' && this.cluster) return send(res, 422, { code: 422, message: 'System backups cannot be restored on a cluster node; remove the node from the cluster first' });
    const verdict = restoreWindow(bk.version, this.version, { force: p.force === true, lts: this.o.lts });
    if (!verdict.ok) return send(res, 422, { code: 422, message: verdict.reason });
    const key = this.keys.find((k) => k.id === bk.backupKey);
    if (!key) return send(res, 422, { code: 422, message: `backup key ${bk.backupKey} is not on this node; upload it first` });
    if (this.busy()) return send(res, 409, { code: 409, message: `another ${this.op!.operation} operation is in progress` });
    const text = bk.blob.toString('utf8');
    const sealed = JSON.parse(text.slice(text.indexOf('\n', MAGIC.length) + 1)) as { iv: string; tag: string; data: string };
    const data = JSON.parse(open(key.material, sealed.iv, sealed.tag, Buffer.from(sealed.data, 'base64')).toString('utf8')) as Vault;
    this.op = {
      operation: 'restore', id: bk.id, status: 'In Progress', doneAt: Date.now() + (this.o.opMs ?? 150), restarting: bk.scope === 'system',
      finish: () => {
        this.vault = bk.scope === 'system' ? data : { ...this.vault, ...data };
        this.op!.status = 'Completed';
      },
    };
    send(res, 202, { operation: 'restore', id: bk.id, status: 'In Progress' });
  }

  private clusterCall(method: string, b: string | undefined, c: string | undefined, json: () => Record<string, unknown>, res: ServerResponse, fromNodes = false): void {
    if (method === 'GET' && !b) return send(res, 200, this.cluster ? { nodeID: this.nodeId, status: this.joiningUntil > Date.now() ? 'connecting' : 'ready' } : { status: 'none' });
    if (method === 'DELETE' && !b) {
      if (!this.cluster) return send(res, 409, { code: 409, message: 'this node is not in a cluster' });
      this.leave();
      return send(res, 204);
    }
    if (method === 'POST' && b === 'new') {
      if (this.cluster) return send(res, 409, { code: 409, message: 'this node is already in a cluster' });
      this.cluster = { id: randomUUID(), members: new Set([this]), vault: this.own };
      CLUSTERS.set(this.cluster.id, this.cluster);
      return send(res, 201, { nodeID: this.nodeId, status: 'ready' });
    }
    if (method === 'POST' && b === 'csr') {
      if (this.cluster) return send(res, 409, { code: 409, message: 'this node is already in a cluster; remove it first' });
      return send(res, 200, { csr: `CSR ${this.nodeId} ${this.version}` });
    }
    if (method === 'POST' && b === 'join') {
      if (this.cluster) return send(res, 409, { code: 409, message: 'this node is already in a cluster' });
      const p = json();
      const m = /^CERT (\S+) (\S+)$/.exec(String(p.cert ?? ''));
      const cluster = m && m[2] === this.nodeId ? CLUSTERS.get(m[1]!) : undefined;
      if (!cluster) return send(res, 400, { code: 400, message: 'the certificate was not signed for this node by a cluster member' });
      // memberNodeHost: the host name of the member it joins through (no port: the cluster port is memberNodePort).
      const memberHost = String(p.memberNodeHost ?? '');
      if (![...cluster.members].some((n) => new URL(n.url).hostname === memberHost)) return send(res, 400, { code: 400, message: `memberNodeHost ${JSON.stringify(memberHost)} is not a member of the cluster` });
      cluster.members.add(this);
      this.cluster = cluster;
      this.joiningUntil = Date.now() + (this.o.joinMs ?? 150);
      return send(res, 202, { nodeID: this.nodeId, status: 'connecting' });
    }
    if (b === 'nodes' && fromNodes) {
      if (!this.cluster) return send(res, 409, { code: 409, message: 'this node is not in a cluster' });
      if (method === 'GET' && !c) {
        const list = [...this.cluster.members].map((n) => ({ id: n.nodeId, host: n.host, status: !n.up ? 'down' : n.joiningUntil > Date.now() ? 'connecting' : 'ready' }));
        return send(res, 200, { total: list.length, resources: list });
      }
      if (method === 'POST' && !c) {
        const m = /^CSR (\S+) (\S+)$/.exec(String(json().csr ?? ''));
        if (!m) return send(res, 400, { code: 400, message: 'csr is not a certificate signing request' });
        if (!json().newNodeHost) return send(res, 400, { code: 400, message: 'newNodeHost is required' });
        if (m[2] !== this.version) return send(res, 422, { code: 422, message: `the new node runs ${m[2]}, the cluster ${this.version}: all nodes must run the same version to join` });
        return send(res, 201, { cert: `CERT ${this.cluster.id} ${m[1]}`, cachain: 'CA', mkek_blob: 'MKEK' });
      }
      if (method === 'DELETE' && c) {
        const n = [...this.cluster.members].find((x) => x.nodeId === c);
        if (!n) return send(res, 404, { code: 404, message: `node ${c} is not in this cluster` });
        n.leave();
        return send(res, 204);
      }
    }
    return send(res, 404, { code: 404, message: `no route ${method} cluster/${b ?? ''}/${c ?? ''}` });
  }

  /** Leaves the cluster keeping a copy of its data (removal from the cluster). */
  private leave(): void {
    if (!this.cluster) return;
    this.cluster.members.delete(this);
    this.own = { ...this.cluster.vault };
    this.cluster = undefined;
    this.joiningUntil = 0;
  }
}

const CLUSTERS = new Map<string, Cluster>();

/** Starts `names.length` nodes and clusters them (first node creates, the others join). */
export async function startContractCluster(names: string[], base: Omit<ContractOptions, 'name'>): Promise<ContractNode[]> {
  const nodes = await Promise.all(names.map((name) => new ContractNode({ ...base, name }).start()));
  const first = nodes[0]!;
  first.cluster = { id: randomUUID(), members: new Set(nodes), vault: { 'key-a': 'material-a' } };
  CLUSTERS.set(first.cluster.id, first.cluster);
  for (const n of nodes) n.cluster = first.cluster;
  return nodes;
}

function keyView(k: Key) {
  return { id: k.id, name: k.name, scope: k.scope, default: k.default, createdAt: k.createdAt };
}
function backupView(b: Backup) {
  const { blob: _blob, ...rest } = b;
  return rest;
}

function seal(key: Buffer, data: Buffer): { iv: string; tag: string; data: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const out = Buffer.concat([c.update(data), c.final()]);
  return { iv: iv.toString('hex'), tag: c.getAuthTag().toString('hex'), data: out.toString('base64') };
}
function open(key: Buffer, iv: string, tag: string, data: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'hex'));
  d.setAuthTag(Buffer.from(tag, 'hex'));
  return Buffer.concat([d.update(data), d.final()]);
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
function send(res: ServerResponse, code: number, obj?: unknown): void {
  const text = obj === undefined ? '' : JSON.stringify(obj);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
function sendBytes(res: ServerResponse, data: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
  res.end(data);
}
