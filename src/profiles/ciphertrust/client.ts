import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { mask, registerSecret } from '../../util/secrets.ts';
import { API } from './api-paths.ts';

/**
 * One CipherTrust Manager node over its REST API. TLS is verified against `ca` (PEM; the
 * system store when absent) and, when `pinSha256` is set, the node's certificate must also have
 * that SHA-256 fingerprint: a node is reached only at its own address with its own certificate.
 * The password is given once; the client keeps only the short-lived token it buys with it.
 */
export interface CtmClientOptions {
  /** `https://host[:port]`; any path is ignored. */
  url: string;
  user: string;
  password: string;
  /** Log-in domain; the root domain when absent. */
  domain?: string;
  ca?: string | Buffer;
  /** SHA-256 fingerprint of the node certificate (hex, colons optional). */
  pinSha256?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A refusal or failure the node reported; `message` is the node's own words, masked. */
export class CtmApiError extends Error {
  constructor(
    readonly node: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    super(mask(`${node}: ${method} ${path} answered ${status}${detail ? `: ${detail}` : ''}`));
    this.name = 'CtmApiError';
  }
}

type Body = { json: unknown } | { file: string } | undefined;

export class CtmClient {
  private token?: { jwt: string; until: number };
  private readonly base: URL;
  private readonly password: string;

  constructor(private readonly o: CtmClientOptions) {
    this.base = new URL(o.url);
    if (this.base.protocol !== 'https:') throw new Error(`${o.url}: the CipherTrust API is reached over https only`);
    this.password = registerSecret(o.password);
  }

  get node(): string {
    return this.base.host;
  }

  /** JSON in, JSON out; one new token and one retry when the node says the token expired. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.authed(method, path, body === undefined ? undefined : { json: body });
    const text = await readText(res);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CtmApiError(this.node, method, path, res.statusCode ?? 0, `not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** Streams a response body to `file` (temp name, renamed when complete); returns size and sha256. */
  async download(method: string, path: string, file: string, body?: unknown): Promise<{ size: number; sha256: string }> {
    const res = await this.authed(method, path, body === undefined ? undefined : { json: body });
    const hash = createHash('sha256');
    let size = 0;
    const part = `${file}.part`;
    res.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
    });
    try {
      await pipeline(res, createWriteStream(part, { mode: 0o600 }));
      await rename(part, file);
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
    return { size, sha256: hash.digest('hex') };
  }

  /** Streams `file` as the request body; the answer is JSON. */
  async upload<T>(path: string, file: string): Promise<T> {
    const res = await this.authed('POST', path, { file });
    return JSON.parse(await readText(res)) as T;
  }

  private async authed(method: string, path: string, body: Body): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const jwt = await this.jwt(attempt > 0);
      const res = await this.send(method, path, body, jwt);
      const code = res.statusCode ?? 0;
      if (code === 401 && attempt === 0) {
        res.resume();
        continue;
      }
      if (code >= 200 && code < 300) return res;
      throw new CtmApiError(this.node, method, path, code, errorDetail(await readText(res)));
    }
  }

  private async jwt(renew: boolean): Promise<string> {
    if (!renew && this.token && Date.now() < this.token.until) return this.token.jwt;
    const creds = { name: this.o.user, password: this.password, ...(this.o.domain ? { domain: this.o.domain } : {}) };
    const res = await this.send('POST', API.token, { json: creds });
    const text = await readText(res);
    if (res.statusCode !== 200 && res.statusCode !== 201) {
      throw new CtmApiError(this.node, 'POST', API.token, res.statusCode ?? 0, `log-in as ${this.o.user} refused${res.statusCode === 401 || res.statusCode === 403 ? ' (check api_user, api_domain and the inventory secret api_password)' : ''}${text ? `: ${errorDetail(text)}` : ''}`);
    }
    const t = JSON.parse(text) as { jwt?: string; duration?: number };
    if (!t.jwt) throw new CtmApiError(this.node, 'POST', API.token, res.statusCode, 'no jwt in the answer');
    registerSecret(t.jwt);
    // Renew 30 s early (tokens last 300 s by default): a long poll never sends a dead token.
    this.token = { jwt: t.jwt, until: Date.now() + Math.max(10, (t.duration ?? 300) - 30) * 1000 };
    return t.jwt;
  }

  private async send(method: string, path: string, body: Body, jwt?: string): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (jwt) headers.authorization = `Bearer ${jwt}`;
    let payload: Buffer | undefined;
    if (body && 'json' in body) {
      payload = Buffer.from(JSON.stringify(body.json));
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    } else if (body && 'file' in body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = (await stat(body.file)).size;
    }
    const pin = this.o.pinSha256?.replace(/:/g, '').toLowerCase();
    const opts: RequestOptions = {
      method,
      headers,
      ca: this.o.ca,
      timeout: this.o.timeoutMs ?? 60_000,
      signal: this.o.signal,
      agent: false,
      checkServerIdentity: (host: string, cert: PeerCertificate) => {
        const err = checkServerIdentity(host, cert);
        if (err) return err;
        if (pin && cert.fingerprint256.replace(/:/g, '').toLowerCase() !== pin) {
          return new Error(`${this.node}: certificate fingerprint ${cert.fingerprint256} is not the pinned one`);
        }
        return undefined;
      },
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, opts, resolve);
      req.on('timeout', () => req.destroy(new Error(`${this.node}: ${method} ${path}: no answer in ${(opts.timeout ?? 0) / 1000} s`)));
      req.on('error', (e) => reject(new Error(mask(`${this.node}: ${method} ${path}: ${e.message}`))));
      if (body && 'file' in body) createReadStream(body.file).on('error', (e) => req.destroy(e)).pipe(req);
      else req.end(payload);
    });
  }
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The product answers errors as `{ code, codeDesc, message }`; anything else is shown shortened. */
function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string; codeDesc?: string };
    return j.message ?? j.codeDesc ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
