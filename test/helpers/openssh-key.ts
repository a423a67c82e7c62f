/**
 * Fresh ed25519 key pairs in OpenSSH format for the test servers, made from Node's own crypto.
 *
 * Why not ssh2's `utils.generateKeyPairSync('ed25519')`: it drops leading zero bytes of the public
 * key (mscdex/ssh2 #1390, #1513), so about one key in 256 cannot be parsed back and a test run fails
 * at random. Here the 32-byte public key and seed come straight from Node's JWK export, fixed-size.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const KEY_TYPE = 'ssh-ed25519';

/** An SSH wire `string`: a 4-byte big-endian length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function publicBlob(pub: Buffer): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
}

/** The unencrypted `openssh-key-v1` container (PROTOCOL.key in OpenSSH's source tree). */
function privateKeyPem(pub: Buffer, seed: Buffer, comment: string): string {
  const check = randomBytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString(KEY_TYPE),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])), // OpenSSH stores seed || public key as the private part
    sshString(comment),
  ]);
  // Pad with 1, 2, 3, ... to the cipher block size (8 for "none").
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const whole = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicBlob(pub)),
    sshString(section),
  ]);
  const lines = whole.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
}

export interface OpenSshKeyPair {
  /** OpenSSH private key file text. */
  private: string;
  /** `ssh-ed25519 AAAA... comment`, as in an authorized_keys or .pub file. */
  public: string;
}

/** DER prefixes of an Ed25519 key (RFC 8410): PKCS#8 before the 32-byte seed, SPKI before the public key. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function after(prefix: Buffer, der: Buffer, what: string): Buffer {
  if (der.length !== prefix.length + 32 || !der.subarray(0, prefix.length).equals(prefix)) throw new Error(`unexpected ed25519 ${what} encoding`);
  return der.subarray(prefix.length);
}

export function generateOpenSshEd25519(comment = 'lifeboat-test'): OpenSshKeyPair {
  // Encoded by the key generation itself, not exported from the KeyObject afterwards: on Node 20,
  // KeyObject.export({ format: 'jwk' }) holds the key's mutex while it allocates, and a garbage
  // collection there that finalizes this very key pair's generation job locks the same mutex:
  // the process blocks for good (seen as a CI hang: main thread in futex, in ~KeyGenJob under
  // ExportJWKEdKey; 1 run in 7 of this file's tests).
  const der = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
  const seed = after(PKCS8_PREFIX, der.privateKey, 'private key');
  const pub = after(SPKI_PREFIX, der.publicKey, 'public key');
  return {
    private: privateKeyPem(pub, seed, comment),
    public: `${KEY_TYPE} ${publicBlob(pub).toString('base64')} ${comment}`,
  };
}
