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

export function generateOpenSshEd25519(comment = 'lifeboat-test'): OpenSshKeyPair {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  if (seed.length !== 32 || pub.length !== 32) throw new Error(`unexpected ed25519 key sizes ${seed.length}/${pub.length}`);
  return {
    private: privateKeyPem(pub, seed, comment),
    public: `${KEY_TYPE} ${publicBlob(pub).toString('base64')} ${comment}`,
  };
}
