import { readFile, writeFile } from 'node:fs/promises';
import { API, COMPLETED, FAILED, IN_PROGRESS, nodeReady, nodeStatusText, type BackupInfo, type BackupKeyInfo, type BackupStatus, type ClusterInfo, type ClusterNode, type Scope } from './api-paths.ts';
import { CtmApiError, type CtmClient } from './client.ts';

/** Typed calls on one node, and the waits the product needs (status polling, cluster health). */
export class CtmNode {
  constructor(
    readonly name: string,
    readonly client: CtmClient,
    private readonly opts: { pollMs?: number; signal?: AbortSignal } = {},
  ) {}

  info(): Promise<{ name?: string; version: string }> {
    return this.client.json('GET', API.systemInfo);
  }

  async keys(scope?: Scope): Promise<BackupKeyInfo[]> {
    const r = await this.client.json<{ resources: BackupKeyInfo[] }>('GET', scope ? `${API.backupKeys}?scope=${scope}` : API.backupKeys);
    return r.resources ?? [];
  }

  createKey(scope: Scope, makeDefault: boolean): Promise<BackupKeyInfo> {
    return this.client.json('POST', API.backupKeys, { scope, default: makeDefault });
  }

  setDefaultKey(id: string): Promise<BackupKeyInfo> {
    return this.client.json('POST', API.backupKeyDefault(id));
  }

  /** The key file the product writes (protected by `password`), saved to `file`. */
  exportKey(id: string, password: string, file: string): Promise<{ size: number; sha256: string }> {
    return this.client.download('POST', API.backupKeyDownload(id), file, { password });
  }

  async importKey(file: string, password: string, scope: Scope): Promise<BackupKeyInfo> {
    const content = (await readFile(file)).toString('base64');
    return this.client.json('POST', API.backupKeyUpload, { file: content, password, scope });
  }

  status(): Promise<BackupStatus> {
    return this.client.json('GET', API.backupStatus);
  }

  createBackup(b: { scope: Scope; keyId?: string; description?: string; tiedToHsm?: boolean; domain?: string }): Promise<BackupInfo> {
    return this.client.json('POST', API.backups, {
      scope: b.scope,
      ...(b.keyId ? { backupKey: b.keyId } : {}),
      ...(b.description ? { description: b.description } : {}),
      ...(b.tiedToHsm ? { tied_to_hsm: true } : {}),
      ...(b.domain ? { domain: b.domain } : {}),
    });
  }

  async backups(scope?: Scope): Promise<BackupInfo[]> {
    const r = await this.client.json<{ resources: BackupInfo[] }>('GET', scope ? `${API.backups}?scope=${scope}` : API.backups);
    return r.resources ?? [];
  }

  backup(id: string): Promise<BackupInfo> {
    return this.client.json('GET', API.backup(id));
  }

  download(id: string, file: string): Promise<{ size: number; sha256: string }> {
    return this.client.download('GET', API.backupDownload(id), file);
  }

  upload(file: string, scope: Scope): Promise<BackupInfo> {
    return this.client.upload(`${API.backupUpload}?scope=${scope}`, file);
  }

  restore(id: string, force: boolean): Promise<BackupStatus> {
    return this.client.json('POST', API.backupRestore(id), force ? { force: true } : {});
  }

  /**
   * Polls `backupStatus` until the operation on `id` is Completed. A 500 while a system restore
   * restarts the services is expected (seed 003) and polled through.
   */
  async waitOperation(id: string, what: 'backup' | 'restore', timeoutMs: number, onPoll?: (s: string) => void): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      let s: BackupStatus | undefined;
      try {
        s = await this.status();
      } catch (e) {
        if (!(what === 'restore' && e instanceof CtmApiError && e.status >= 500) && !(what === 'restore' && isConnRefused(e))) throw e;
        onPoll?.('services restarting');
      }
      if (s && s.id === id) {
        if (s.status === COMPLETED) return;
        if (s.status === FAILED) throw new Error(`${this.name}: ${what} ${id} failed${s.message ? `: ${s.message}` : ''}`);
        onPoll?.(s.status ?? 'unknown');
      }
      if (Date.now() > until) throw new Error(`${this.name}: ${what} ${id} still not Completed after ${Math.round(timeoutMs / 1000)} s (last status: ${s?.status ?? 'no answer'})`);
      await sleep(this.opts.pollMs ?? 2000, this.opts.signal);
    }
  }

  /** True when a backup or restore is running now: a second one must not be started. */
  async busy(): Promise<BackupStatus | undefined> {
    const s = await this.status();
    return s.status === IN_PROGRESS ? s : undefined;
  }

  cluster(): Promise<ClusterInfo> {
    return this.client.json('GET', API.cluster);
  }

  async nodes(): Promise<ClusterNode[]> {
    const r = await this.client.json<{ resources: ClusterNode[] }>('GET', API.clusterNodes);
    return r.resources ?? [];
  }

  removeNode(id: string): Promise<void> {
    return this.client.json('DELETE', API.clusterNode(id));
  }

  leaveCluster(): Promise<void> {
    return this.client.json('DELETE', API.cluster);
  }

  newCluster(host: string): Promise<ClusterInfo> {
    return this.client.json('POST', API.clusterNew, { localNodeHost: host });
  }

  csr(host: string): Promise<{ csr: string }> {
    return this.client.json('POST', API.clusterCsr, { localNodeHost: host });
  }

  /** Field names as the vendor's Terraform provider sends them (SignRequestJSON, JoinClusterJSON). */
  sign(csr: string, newNodeHost: string): Promise<{ cert: string; cachain: string; mkek_blob: string }> {
    return this.client.json('POST', API.clusterNodes, signBody(csr, newNodeHost));
  }

  /** `memberHost`: the member's host name (the cluster port is separate, memberNodePort). */
  join(memberHost: string, host: string, signed: { cert: string; cachain: string; mkek_blob: string }): Promise<ClusterInfo> {
    return this.client.json('POST', API.clusterJoin, joinBody(memberHost, host, signed));
  }

  /** Polls the node list until `expect` nodes are listed and every one is `ready`. */
  async waitHealthy(expect: number, timeoutMs: number, onPoll?: (s: string) => void): Promise<ClusterNode[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const list = await this.nodes();
      const ready = list.filter(nodeReady);
      if (list.length === expect && ready.length === expect) return list;
      const summary = `${ready.length}/${expect} ready (${list.map((n) => `${n.host} ${nodeStatusText(n)}`).join(', ')})`;
      if (Date.now() > until) throw new Error(`${this.name}: the cluster is not healthy after ${Math.round(timeoutMs / 1000)} s: ${summary}`);
      onPoll?.(summary);
      await sleep(this.opts.pollMs ?? 2000, this.opts.signal);
    }
  }
}

function isConnRefused(e: unknown): boolean {
  return e instanceof Error && /ECONNREFUSED|ECONNRESET|socket hang up/.test(e.message);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    if (signal?.aborted) return rej(new Error('interrupted'));
    const t = setTimeout(res, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), rej(new Error('interrupted'))), { once: true });
  });
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
}

export function signBody(csr: string, newNodeHost: string) {
  return { csr, newNodeHost, publicAddress: newNodeHost, shared_hsm_partition: false };
}

export function joinBody(memberNodeHost: string, localNodeHost: string, signed: { cert: string; cachain: string; mkek_blob: string }) {
  return { memberNodeHost, localNodeHost, ...signed };
}
