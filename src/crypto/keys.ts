import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../util/errors.ts';
import path from 'node:path';
import type * as openpgp from 'openpgp';
import { CryptoError } from './errors.ts';
import { fileReason } from '../util/file-reason.ts';

/** openpgp takes ~0.3-0.6 s to load: only commands that touch keys or backups pay for it. */
const pgp = () => import('openpgp');

/**
 * Backup keys are v4 (ed25519 primary + curve25519 encryption subkey, "Legacy" in openpgp 6 terms)
 * so that gpg 2.2 reads what Lifeboat writes; v6 keys and AEAD would not be readable there.
 */
export interface GeneratedKeyPair {
  publicKeyFile: string;
  privateKeyFile: string;
  revocationFile: string;
  fingerprint: string;
}

/** Upper-case hex, how gpg prints fingerprints and key ids. */
export function formatKeyId(hex: string): string {
  return hex.toUpperCase();
}

export async function generateKeyPair(opts: {
  name: string;
  email?: string;
  passphrase: string;
  outDir: string;
  /** File name stem; defaults to the name, lower-cased, spaces as dashes. */
  fileStem?: string;
}): Promise<GeneratedKeyPair> {
  if (!opts.passphrase) throw new CryptoError('a passphrase is required to protect the private key', 'bad-key-file');
  let generated: { publicKey: string; privateKey: string; revocationCertificate: string };
  try {
    generated = await (await pgp()).generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: opts.name, ...(opts.email ? { email: opts.email } : {}) }],
      passphrase: opts.passphrase,
      format: 'armored',
      config: { v6Keys: false, aeadProtect: false },
    });
  } catch (e) {
    // openpgp says "Invalid user ID format" for a bad name or e-mail address.
    throw new CryptoError(`cannot generate a key for "${opts.name}" <${opts.email ?? ''}>: ${(e as Error).message}`, 'bad-key-file');
  }
  const { publicKey, privateKey, revocationCertificate } = generated;
  const stem = opts.fileStem ?? opts.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  await mkdir(opts.outDir, { recursive: true });
  const files = {
    publicKeyFile: path.join(opts.outDir, `${stem}.pub.asc`),
    privateKeyFile: path.join(opts.outDir, `${stem}.sec.asc`),
    revocationFile: path.join(opts.outDir, `${stem}.rev.asc`),
  };
  // Never overwrite an existing key: losing it would make old backups unreadable.
  const existing = Object.values(files).filter((f) => existsSync(f));
  if (existing.length) {
    throw new InputError(
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}: keys generate never overwrites a key (backups encrypted for it would become unreadable); choose another --out or --name`,
    );
  }
  // wx as well: a key written meanwhile by someone else is not overwritten either.
  for (const [file, text] of [
    [files.publicKeyFile, publicKey],
    [files.privateKeyFile, privateKey],
    [files.revocationFile, revocationCertificate],
  ] as const) {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
  }
  const key = await (await pgp()).readKey({ armoredKey: publicKey });
  return { ...files, fingerprint: formatKeyId(key.getFingerprint()) };
}

async function readKeyText(file: string): Promise<string | Uint8Array> {
  try {
    const buf = await readFile(file);
    return buf.subarray(0, 40).toString('latin1').includes('-----BEGIN PGP') ? buf.toString('utf8') : new Uint8Array(buf);
  } catch (e) {
    throw new CryptoError(`cannot read key file ${file}: ${fileReason(e)}`, 'io');
  }
}

async function parseKey(file: string): Promise<openpgp.Key> {
  const text = await readKeyText(file);
  const openpgp = await pgp();
  try {
    return typeof text === 'string' ? await openpgp.readKey({ armoredKey: text }) : await openpgp.readKey({ binaryKey: text });
  } catch (e) {
    throw new CryptoError(`${file} is not an OpenPGP key: ${(e as Error).message}`, 'bad-key-file');
  }
}

export async function readPublicKeyFile(file: string): Promise<openpgp.PublicKey> {
  const key = await parseKey(file);
  return key.toPublic();
}

/** Fingerprint of the key in a file (public or private), as gpg prints it. */
export async function keyFileFingerprint(file: string): Promise<string> {
  return formatKeyId((await parseKey(file)).getFingerprint());
}

/** Every key id (primary and subkeys) of a key, upper-case hex. */
export function keyIds(key: openpgp.Key): string[] {
  return key.getKeyIDs().map((id) => formatKeyId(id.toHex()));
}

export async function readPrivateKeyFile(file: string): Promise<openpgp.PrivateKey> {
  const key = await parseKey(file);
  if (!key.isPrivate()) {
    throw new CryptoError(`${file} holds a public key only; decrypting needs the private key`, 'bad-key-file');
  }
  return key;
}

/** Unlocks a private key; a wrong passphrase becomes a clear error that does not echo it. */
export async function unlockPrivateKey(key: openpgp.PrivateKey, file: string, passphrase: string | undefined): Promise<openpgp.PrivateKey> {
  if (key.isDecrypted()) return key;
  if (!passphrase) throw new CryptoError(`the private key ${file} is protected: a passphrase is required`, 'wrong-passphrase');
  try {
    return await (await pgp()).decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new CryptoError(`wrong passphrase for the private key ${file} (${formatKeyId(key.getFingerprint())})`, 'wrong-passphrase');
  }
}
