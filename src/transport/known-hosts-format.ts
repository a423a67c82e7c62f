import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The name OpenSSH looks up in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** A known_hosts line: `name keytype base64`. `publicKey` is an OpenSSH public key line or a raw blob. */
export function knownHostsLine(host: string, port: number, publicKey: string | Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeAndBase64(publicKey)}`;
}

/** A hashed (`|1|salt|hash`) known_hosts line, as `ssh-keygen -H` writes them. */
export function hashedKnownHostsLine(host: string, port: number, publicKey: string | Buffer, salt = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(knownHostsName(host, port)).digest('base64');
  return `|1|${salt.toString('base64')}|${hash} ${keyTypeAndBase64(publicKey)}`;
}

/** OpenSSH-style fingerprint of a public key blob: `SHA256:` + unpadded base64. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

function keyTypeAndBase64(publicKey: string | Buffer): string {
  if (Buffer.isBuffer(publicKey)) return `${blobKeyType(publicKey)} ${publicKey.toString('base64')}`;
  const [type, b64] = publicKey.trim().split(/\s+/);
  if (!type || !b64) throw new Error('not an OpenSSH public key line');
  return `${type} ${b64}`;
}
