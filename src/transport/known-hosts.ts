/**
 * known_hosts verification the way OpenSSH reads the file: plain names, comma lists, wildcards and
 * negation, hashed `|1|salt|hash` names, `[host]:port`, `@revoked` lines, several key types per host.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { blobKeyType, knownHostsName } from './known-hosts-format.ts';
import { matchPatternList } from './host-pattern.ts';

export interface KnownHostEntry {
  line: number;
  marker?: 'revoked' | 'cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'ok'; where: string }
  | { status: 'unknown' }
  | { status: 'changed'; where: string }
  | { status: 'revoked'; where: string };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    entries.push({ line: i + 1, marker, hosts, keyType, key: Buffer.from(b64, 'base64') });
  });
  return entries;
}

/** Does a known_hosts host field (`a,b,!c`, `|1|salt|hash`) name this host? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    const want = Buffer.from(hash, 'base64');
    return want.length === mac.length && timingSafeEqual(mac, want);
  }
  return matchPatternList(field.split(','), name);
}

/** Checks a presented key blob for `host:port` against one known_hosts file. */
export function checkHostKey(file: string, host: string, port: number, blob: Buffer): HostKeyCheck {
  if (!existsSync(file)) return { status: 'unknown' };
  const name = knownHostsName(host, port);
  const mine = parseKnownHosts(readFileSync(file, 'utf8')).filter((e) => hostFieldMatches(e.hosts, name));
  const at = (e: KnownHostEntry) => `${file}:${e.line}`;
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', where: at(revoked) };
  const plain = mine.filter((e) => !e.marker);
  const same = plain.find((e) => e.key.equals(blob));
  if (same) return { status: 'ok', where: at(same) };
  // A known key of the same type differs: changed. A host known only by other key types is
  // treated as changed too: we asked for the known types first, so it no longer offers them.
  const presentedType = blobKeyType(blob);
  const expected = plain.find((e) => e.keyType === presentedType) ?? plain[0];
  if (expected) return { status: 'changed', where: at(expected) };
  return { status: 'unknown' };
}

/** Key types known for a host, to ask the server for those first (as OpenSSH does). */
export function knownKeyTypes(file: string, host: string, port: number): string[] {
  if (!existsSync(file)) return [];
  const name = knownHostsName(host, port);
  const types = parseKnownHosts(readFileSync(file, 'utf8'))
    .filter((e) => !e.marker && hostFieldMatches(e.hosts, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** Appends `name keytype base64` (accept-new), creating the file (0600) and its directory; returns its line. */
export function appendKnownHost(file: string, host: string, port: number, blob: Buffer): number {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  appendFileSync(file, `${sep}${knownHostsName(host, port)} ${blobKeyType(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trimEnd().split('\n').length;
}
