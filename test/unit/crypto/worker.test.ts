/**
 * The OpenPGP work runs on a worker thread (src/crypto/pgp-worker.ts): bytes cross in both
 * directions with bounded credit. These check what the thread hop must not lose: a failing source
 * fails the encryption, a consumer that stops early stops the worker, and a slow consumer holds the
 * producer back instead of letting it buffer the whole payload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptFile, encryptStream, generateKeyPair, openDecryptStream, readPublicKeyFile, type GeneratedKeyPair } from '../../../src/crypto/index.ts';
import { writeRandomFile } from './gpg.ts';

const PASS = 'worker pass';
let dir: string;
let key: GeneratedKeyPair;
let encrypted: string;
const SIZE = 24 * 1024 * 1024;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lb-crypto-worker-'));
  key = await generateKeyPair({ name: 'Worker Test', passphrase: PASS, outDir: dir });
  writeRandomFile(path.join(dir, 'plain'), SIZE);
  encrypted = path.join(dir, 'plain.gpg');
  await encryptFile(path.join(dir, 'plain'), encrypted, { recipientKeyFile: key.publicKeyFile });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the OpenPGP worker', () => {
  it('fails the encrypted stream when its source fails', async () => {
    const source = new Readable({ read() {} });
    const out = await encryptStream(source, await readPublicKeyFile(key.publicKeyFile));
    source.push(Buffer.alloc(300_000, 1));
    setTimeout(() => source.destroy(new Error('the download broke')), 50);
    const drained = (async () => {
      for await (const _ of out) void _;
    })();
    await expect(drained).rejects.toThrow(/the download broke/);
  });

  it('holds decryption back while nobody reads, and stops when the reader gives up (decryption runs on the main thread)', async () => {
    const out = await openDecryptStream(encrypted, { keyFile: key.privateKeyFile, passphrase: PASS });
    await new Promise((r) => setTimeout(r, 500));
    // Backpressure: a few MiB are decrypted before it waits, never the whole 24 MiB payload.
    expect(out.readableLength).toBeLessThan(8 * 1024 * 1024);
    let got = 0;
    for await (const chunk of out) {
      got += (chunk as Buffer).length;
      if (got > 2 * 1024 * 1024) break; // destroys the stream
    }
    expect(out.destroyed).toBe(true);
  });

  it('streams the whole payload through when read to the end', async () => {
    const out = await openDecryptStream(encrypted, { keyFile: key.privateKeyFile, passphrase: PASS });
    let got = 0;
    for await (const chunk of out) got += (chunk as Buffer).length;
    expect(got).toBe(SIZE);
  });

  it('holds encryption back while nobody reads the ciphertext (bounded credit across the thread)', async () => {
    const LIMIT = 256 * 1024 * 1024;
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 1024 * 1024;
        this.push(produced > LIMIT ? null : Buffer.alloc(1024 * 1024, 7));
      },
    });
    const out = await encryptStream(source, await readPublicKeyFile(key.publicKeyFile));
    await new Promise((r) => setTimeout(r, 1000));
    // Measured: ~22 MiB are taken (stream buffers on both threads), then the source waits: never the 256 MiB.
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    let got = 0;
    for await (const chunk of out) {
      got += (chunk as Buffer).length;
      if (got > 8 * 1024 * 1024) break;
    }
    expect(out.destroyed).toBe(true);
  });
});
