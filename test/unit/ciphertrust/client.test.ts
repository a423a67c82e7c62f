/** The REST client and node calls against the contract server (a contract test, not an appliance). */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CtmClient, CtmApiError } from '../../../src/profiles/ciphertrust/client.ts';
import { CtmNode } from '../../../src/profiles/ciphertrust/node-ops.ts';
import { ContractNode, selfSignedCert } from '../../helpers/ciphertrust-contract.ts';

const PASSWORD = 'contract-admin-pw';
let tls: ReturnType<typeof selfSignedCert>;
let node: ContractNode;
const dir = mkdtempSync(join(tmpdir(), 'lb-ctm-client-'));

beforeAll(async () => {
  tls = selfSignedCert();
  node = await new ContractNode({ name: 'cm1', version: '2.14.0', tls, password: PASSWORD, opMs: 200, tokenSeconds: 31 }).start();
});
afterAll(async () => node?.stop());

const client = (extra: Partial<ConstructorParameters<typeof CtmClient>[0]> = {}) =>
  new CtmClient({ url: node.url, user: 'admin', password: PASSWORD, ca: tls.cert, ...extra });

describe('TLS and log-in', () => {
  it('trusts only the given CA and checks the pinned fingerprint', async () => {
    await expect(new CtmClient({ url: node.url, user: 'admin', password: PASSWORD }).json('GET', '/api/v1/system/info')).rejects.toThrow(/self-signed|certificate/i);
    const fp = new X509Certificate(tls.cert).fingerprint256;
    expect(await client({ pinSha256: fp }).json('GET', '/api/v1/system/info')).toMatchObject({ version: '2.14.0' });
    await expect(client({ pinSha256: 'AA'.repeat(32) }).json('GET', '/api/v1/system/info')).rejects.toThrow(/not the pinned one/);
  });

  it('a wrong password is a clear refusal that never shows the password', async () => {
    const err = await client({ password: 'not-the-password-123' }).json('GET', '/api/v1/system/info').catch((e: Error) => e);
    expect(err).toBeInstanceOf(CtmApiError);
    expect((err as Error).message).toMatch(/log-in as admin refused \(check api_user, api_domain and the inventory secret api_password\): Invalid user credentials/);
    expect((err as Error).message).not.toContain('not-the-password-123');
  });

  it('logs in once for several calls (the token is reused)', async () => {
    const c = client();
    const before = node.calls.length;
    await c.json('GET', '/api/v1/system/info');
    await c.json('GET', '/api/v1/backupkeys');
    expect(node.calls.slice(before).filter((x) => x.startsWith('POST /api/v1/auth/tokens'))).toHaveLength(1);
  });
});

describe('backups on one node', () => {
  it('create → In Progress refuses a second one → Completed → download with the same sha256', async () => {
    const n = new CtmNode('cm1', client(), { pollMs: 50 });
    const b = await n.createBackup({ scope: 'system', description: 'nightly' });
    expect(b.status).toBe('In Progress');
    expect(await n.busy()).toMatchObject({ operation: 'backup', id: b.id });
    await expect(n.createBackup({ scope: 'system' })).rejects.toThrow(/409: another backup operation is in progress/);
    await n.waitOperation(b.id, 'backup', 10_000);
    expect(await n.busy()).toBeUndefined();
    const file = join(dir, 'b1.bin');
    const got = await n.download(b.id, file);
    expect(got.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(got.size).toBe(readFileSync(file).length);
    expect(await n.backup(b.id)).toMatchObject({ status: 'Completed', version: '2.14.0', scope: 'system', description: 'nightly' });
  });

  it('refuses a domain backup tied to the HSM and a key of the wrong scope', async () => {
    const n = new CtmNode('cm1', client(), { pollMs: 50 });
    await expect(n.createBackup({ scope: 'domain', tiedToHsm: true })).rejects.toThrow(/invalid for domain scoped backups/);
    const domainKey = (await n.keys('domain'))[0]!;
    await expect(n.createBackup({ scope: 'system', keyId: domainKey.id })).rejects.toThrow(/domain scoped; a system backup needs a system scoped key/);
  });

  it('backup keys: create as default, export with a password, import on another node', async () => {
    const n = new CtmNode('cm1', client(), { pollMs: 50 });
    const k = await n.createKey('system', true);
    expect((await n.keys('system')).filter((x) => x.default).map((x) => x.id)).toEqual([k.id]);
    const file = join(dir, 'key.bin');
    await n.exportKey(k.id, 'key-file-password', file);
    const other = await new ContractNode({ name: 'cm2', version: '2.14.0', tls, password: PASSWORD }).start();
    try {
      const o = new CtmNode('cm2', new CtmClient({ url: other.url, user: 'admin', password: PASSWORD, ca: tls.cert }));
      await expect(o.importKey(file, 'wrong-password-here', 'system')).rejects.toThrow(/wrong password/);
      expect(await o.importKey(file, 'key-file-password', 'system')).toMatchObject({ id: k.id, scope: 'system' });
    } finally {
      await other.stop();
    }
  });
});
