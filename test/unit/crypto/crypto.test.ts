import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoError, decryptFile, encryptFile, generateKeyPair, keyFileFingerprint, openDecryptStream, type GeneratedKeyPair } from '../../../src/crypto/index.ts';
import { tempGpg, writeRandomFile } from './gpg.ts';

const PASS = 'correct horse battery';
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

let dir: string;
let key: GeneratedKeyPair;
let other: GeneratedKeyPair;
let plain: string;
let encrypted: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lb-crypto-'));
  key = await generateKeyPair({ name: 'Lifeboat Backup', email: 'backup@lab.test', passphrase: PASS, outDir: path.join(dir, 'keys') });
  other = await generateKeyPair({ name: 'Someone Else', passphrase: PASS, outDir: path.join(dir, 'keys') });
  plain = path.join(dir, 'payload.tar');
  writeRandomFile(plain, 6 * 1024 * 1024 + 123);
  encrypted = path.join(dir, 'payload.tar.gpg');
  await encryptFile(plain, encrypted, { recipientKeyFile: key.publicKeyFile });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generateKeyPair', () => {
  it('writes armored v4 key files readable only by the owner', async () => {
    for (const f of [key.publicKeyFile, key.privateKeyFile, key.revocationFile]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
      expect(readFileSync(f, 'utf8')).toMatch(/^-----BEGIN PGP /);
    }
    expect(readFileSync(key.privateKeyFile, 'utf8')).toContain('PRIVATE KEY BLOCK');
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/); // 40 hex digits = a v4 fingerprint (v6 has 64)
    expect(await keyFileFingerprint(key.privateKeyFile)).toBe(key.fingerprint);
  });

  it('refuses to overwrite an existing key', async () => {
    await expect(generateKeyPair({ name: 'Lifeboat Backup', passphrase: PASS, outDir: path.join(dir, 'keys') })).rejects.toThrow(/already exist: keys generate never overwrites a key/);
  });
});

describe('encryptFile / decryptFile', () => {
  it('round-trips a multi-MB file and reports its sha256', async () => {
    const out = path.join(dir, 'roundtrip.tar');
    const r = await decryptFile(encrypted, out, { keyFile: key.privateKeyFile, passphrase: PASS });
    expect(r.bytes).toBe(statSync(plain).size);
    expect(r.sha256).toBe(sha(plain));
    expect(sha(out)).toBe(sha(plain));
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('names both keys when the backup was made for another key, and writes nothing', async () => {
    const out = path.join(dir, 'wrongkey.tar');
    const err = await decryptFile(encrypted, out, { keyFile: other.privateKeyFile, passphrase: PASS }).catch((e) => e);
    expect(err).toBeInstanceOf(CryptoError);
    expect(err.reason).toBe('wrong-key');
    expect(err.message).toMatch(/^backup was encrypted for key id [0-9A-F]{16}; the given key \S+ has key ids [0-9A-F]{16}, [0-9A-F]{16} \(none matches; its fingerprint is /);
    expect(err.message).toContain(other.fingerprint);
    expect(existsSync(out) || existsSync(`${out}.part`)).toBe(false);
  });

  it('says the passphrase is wrong without repeating it', async () => {
    const err = await decryptFile(encrypted, path.join(dir, 'x'), { keyFile: key.privateKeyFile, passphrase: 'not-the-passphrase' }).catch((e) => e);
    expect(err.reason).toBe('wrong-passphrase');
    expect(err.message).toMatch(/wrong passphrase/);
    expect(err.message).not.toContain('not-the-passphrase');
  });

  it('rejects a truncated file and leaves no output behind', async () => {
    const cut = path.join(dir, 'cut.gpg');
    writeFileSync(cut, readFileSync(encrypted));
    truncateSync(cut, statSync(cut).size - 4096);
    const out = path.join(dir, 'cut.tar');
    const err = await decryptFile(cut, out, { keyFile: key.privateKeyFile, passphrase: PASS }).catch((e) => e);
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/cut\.gpg is truncated or corrupt/);
    expect(readdirSync(dir).filter((f) => f.startsWith('cut.tar'))).toEqual([]);
  });

  it('says a missing input is missing, not corrupt', async () => {
    const err = await decryptFile(path.join(dir, 'nope.gpg'), path.join(dir, 'nope'), { keyFile: key.privateKeyFile, passphrase: PASS }).catch((e) => e);
    expect(err.reason).toBe('io');
    expect(err.message).toMatch(/^cannot read .*nope\.gpg: no such file$/);
  });

  it('rejects a file with one flipped byte in the middle (MDC check at the end)', async () => {
    const bad = path.join(dir, 'flipped.gpg');
    const buf = readFileSync(encrypted);
    const mid = buf.length >> 1;
    buf.writeUInt8(buf.readUInt8(mid) ^ 0x55, mid);
    writeFileSync(bad, buf);
    const out = path.join(dir, 'flipped.tar');
    await expect(decryptFile(bad, out, { keyFile: key.privateKeyFile, passphrase: PASS })).rejects.toThrow(/truncated or corrupt/);
    expect(existsSync(out) || existsSync(`${out}.part`)).toBe(false);
  });
});

describe('decryption on the worker thread (onWorker, for restore\'s decrypt+upload)', () => {
  /** Reads the whole stream; returns its sha256, or the error it failed with. */
  const drain = async (input: string, keyFile: string, passphrase: string): Promise<string | CryptoError> => {
    try {
      const out = await openDecryptStream(input, { keyFile, passphrase, onWorker: true });
      const h = createHash('sha256');
      for await (const c of out) h.update(c as Buffer);
      return h.digest('hex');
    } catch (e) {
      return e as CryptoError;
    }
  };

  it('yields the same plaintext and the same errors as on the main thread', async () => {
    expect(await drain(encrypted, key.privateKeyFile, PASS)).toBe(sha(plain));
    const wrongKey = (await drain(encrypted, other.privateKeyFile, PASS)) as CryptoError;
    expect(wrongKey).toBeInstanceOf(CryptoError);
    expect(wrongKey.reason).toBe('wrong-key');
    expect(wrongKey.message).toContain(other.fingerprint);
    const wrongPass = (await drain(encrypted, key.privateKeyFile, 'not-the-passphrase')) as CryptoError;
    expect(wrongPass.reason).toBe('wrong-passphrase');
    expect(wrongPass.message).not.toContain('not-the-passphrase');
    const cut = path.join(dir, 'worker-cut.gpg');
    writeFileSync(cut, readFileSync(encrypted));
    truncateSync(cut, statSync(cut).size - 4096);
    const truncated = (await drain(cut, key.privateKeyFile, PASS)) as CryptoError;
    expect(truncated.reason).toBe('corrupt');
    expect(truncated.message).toMatch(/worker-cut\.gpg is truncated or corrupt/);
    const bad = path.join(dir, 'worker-flipped.gpg');
    const buf = readFileSync(encrypted);
    buf.writeUInt8(buf.readUInt8(buf.length >> 1) ^ 0x55, buf.length >> 1);
    writeFileSync(bad, buf);
    const tampered = (await drain(bad, key.privateKeyFile, PASS)) as CryptoError;
    expect(tampered.reason).toBe('corrupt');
  });
});

describe('interoperability with gpg 2.2', () => {
  it('gpg --decrypt reads a file Lifeboat encrypted', () => {
    const gpg = tempGpg();
    gpg.run(['--import', key.privateKeyFile], PASS);
    const out = path.join(dir, 'by-gpg.tar');
    try {
      gpg.run(['--decrypt', '--output', out, encrypted], PASS);
    } finally {
      gpg.close();
    }
    expect(sha(out)).toBe(sha(plain));
  });

  it('Lifeboat decrypts a file gpg encrypted (compressed, as gpg does by default)', async () => {
    const gpg = tempGpg();
    gpg.run(['--import', key.publicKeyFile]);
    const fromGpg = path.join(dir, 'from-gpg.gpg');
    gpg.run(['--recipient', key.fingerprint, '--output', fromGpg, '--encrypt', plain]);
    gpg.close();
    const out = path.join(dir, 'from-gpg.tar');
    const r = await decryptFile(fromGpg, out, { keyFile: key.privateKeyFile, passphrase: PASS });
    expect(r.sha256).toBe(sha(plain));
  });
});
