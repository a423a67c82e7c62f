import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { decryptFile, encryptingEncoder, generateKeyPair, readPublicKeyFile } from '../../../src/crypto/index.ts';
import { SshPool, TransferError } from '../../../src/transport/index.ts';
import { PACED_READS, IN_FLIGHT } from '../../../src/transport/sftp-transfer.ts';
import { pipeline } from 'node:stream/promises';
import { startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { inventoryFor } from './inventory-for.ts';

/** Pseudo-random bytes from a fixed seed (AES-CTR over zeros): fast, incompressible, repeatable. */
async function writeSeeded(path: string, bytes: number): Promise<string> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= zeros.length) {
    const block = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
    hash.update(block);
    await fh.write(block);
  }
  await fh.close();
  return hash.digest('hex');
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

describe('verified SFTP transfers', () => {
  let server: TestSshServer;
  let dir: string;
  let pool: SshPool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-transfer-'));
    server = await startTestSshServer();
    pool = new SshPool(inventoryFor([server], dir), { sshConfigPath: null });
  });
  afterAll(async () => {
    await pool?.closeAll();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a 300 MB file with matching sha256 on both sides', async () => {
    const size = 300 * 1024 * 1024 + 12345; // not a multiple of the chunk size
    const local = join(dir, 'big.bin');
    const expected = await writeSeeded(local, size);
    const h = await pool.get('h0');
    const remote = join(server.dir, 'big.bin');

    const up = await h.put(local, remote, { mode: 0o600 });
    expect(up).toMatchObject({ bytes: size, sha256: expected });
    expect(statSync(remote).size).toBe(size);
    expect(statSync(remote).mode & 0o777).toBe(0o600);
    expect(existsSync(remote + '.lifeboat-part')).toBe(false);
    rmSync(local);

    const back = join(dir, 'back.bin');
    const down = await h.get(remote, back);
    expect(down).toMatchObject({ bytes: size, sha256: expected });
    expect(await sha256File(back)).toBe(expected);
    expect(existsSync(back + '.part')).toBe(false);
    rmSync(back);
    rmSync(remote);
  }, 120_000); // ~17 s on an idle machine; the margin is for a busy shared one

  it('uploads from a stream and a relative remote path', async () => {
    const h = await pool.get('h0');
    const r = await h.put(Readable.from([Buffer.from('hello '), Buffer.from('world\n')]), 'greeting.txt');
    expect(r.bytes).toBe(12);
    expect(readFileSync(join(server.dir, 'greeting.txt'), 'utf8')).toBe('hello world\n');
    const empty = await h.put(Readable.from([]), 'empty.txt');
    expect(empty.bytes).toBe(0);
    const got = await h.get('empty.txt', join(dir, 'empty.txt'));
    expect(got.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('encrypts while downloading: the file holds only ciphertext that decrypts to the remote bytes', async () => {
    const key = await generateKeyPair({ name: 'Transfer Test', passphrase: 'pw-transfer', outDir: join(dir, 'keys') });
    const size = 8 * 1024 * 1024 + 99;
    const remote = join(server.dir, 'archive.tar');
    const expected = await writeSeeded(remote, size);
    const h = await pool.get('h0');
    const target = join(dir, 'archive.tar.gpg');
    const got = await h.get(remote, target, { encode: encryptingEncoder(await readPublicKeyFile(key.publicKeyFile)) });
    expect(got).toMatchObject({ bytes: size, sha256: expected });
    expect(await sha256File(target)).not.toBe(expected);
    const clear = await decryptFile(target, join(dir, 'archive.clear'), { keyFile: key.privateKeyFile, passphrase: 'pw-transfer' });
    expect(clear).toMatchObject({ bytes: size, sha256: expected });
    // An encoder that fails mid-way fails the download and leaves nothing behind.
    const broken = join(dir, 'broken.gpg');
    const failing = async (file: Writable) => {
      const input = new PassThrough();
      const done = new Promise<void>((_, reject) => input.once('data', () => reject(new Error('encoder broke'))));
      done.catch(() => file.destroy());
      return { input, done };
    };
    await expect(h.get(remote, broken, { encode: failing })).rejects.toThrow('encoder broke');
    expect(existsSync(broken)).toBe(false);
    expect(existsSync(broken + '.part')).toBe(false);
  }, 60_000);

  it('keeps fewer reads in flight when the download feeds an encoder (encryption sets the pace, each read costs memory)', async () => {
    const remote = join(server.dir, 'in-flight.bin');
    const expected = await writeSeeded(remote, 24 * 1024 * 1024);
    const h = await pool.get('h0');
    server.sftpReads.max = 0;
    await h.get(remote, join(dir, 'plain-in-flight.bin'));
    const plainMax = server.sftpReads.max;
    server.sftpReads.max = 0;
    // A pass-through encoder: what reaches the file is the remote bytes, so the sha256 still checks.
    const passThrough = async (file: Writable) => {
      const input = new PassThrough();
      return { input, done: pipeline(input, file) };
    };
    const got = await h.get(remote, join(dir, 'encoded-in-flight.bin'), { encode: passThrough });
    expect(got.sha256).toBe(expected);
    expect(server.sftpReads.max).toBeGreaterThan(1);
    expect(server.sftpReads.max).toBeLessThanOrEqual(PACED_READS);
    expect(plainMax).toBeGreaterThan(PACED_READS);
    expect(plainMax).toBeLessThanOrEqual(IN_FLIGHT);
  }, 60_000);

  it('fails a download of a missing file and leaves no partial file', async () => {
    const h = await pool.get('h0');
    const target = join(dir, 'missing.bin');
    await expect(h.get('no-such-file', target)).rejects.toThrow();
    expect(existsSync(target)).toBe(false);
    expect(existsSync(target + '.part')).toBe(false);
  });

  it('refuses an upload whose remote copy does not match and removes the partial file', async () => {
    // Fake hashers on this server report a wrong hash: the verification must catch it.
    const fake = await startTestSshServer({ env: { PATH: `${join(dir, 'fakebin')}:${process.env.PATH}` } });
    const bin = join(dir, 'fakebin');
    rmSync(bin, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(bin);
    writeFileSync(join(bin, 'sha256sum'), '#!/bin/sh\ncat >/dev/null; echo 0000  -\n', { mode: 0o755 });
    writeFileSync(join(bin, 'openssl'), '#!/bin/sh\ncat >/dev/null; echo "0000 *stdin"\n', { mode: 0o755 });
    const p = new SshPool(inventoryFor([fake], join(dir)), { sshConfigPath: null });
    try {
      const h = await p.get('h0');
      await expect(h.put(Readable.from([Buffer.from('data')]), 'x.txt')).rejects.toBeInstanceOf(TransferError);
      expect(existsSync(join(fake.dir, 'x.txt'))).toBe(false);
      expect(existsSync(join(fake.dir, 'x.txt.lifeboat-part'))).toBe(false);
    } finally {
      await p.closeAll();
      await fake.close();
    }
  });
});
