import type { HostKeyPolicy, SshSettings } from './types.ts';
import type { YamlSource, YNode } from '../source/yaml-source.ts';
import { BOUNDS } from '../source/bounds.ts';
import { resolvePath } from './paths.ts';
import { readSecretRef } from './secret-ref.ts';
import { rememberIdentityFileAt } from './identity-files.ts';

/** What Lifeboat uses when neither the inventory nor the host says otherwise. */
export function defaultSshSettings(): SshSettings {
  return {
    user: 'root',
    port: 22,
    hostKeyPolicy: 'strict',
    become: false,
    useAgent: true,
    connectTimeoutMs: 10_000,
    keepaliveMs: 15_000,
    connectRetries: 3,
  };
}

export const SSH_KEYS = [
  'user',
  'port',
  'identity_file',
  'known_hosts',
  'host_key_policy',
  'jump',
  'become',
  'become_password',
  'use_agent',
  'connect_timeout',
  'keepalive',
  'connect_retries',
] as const;

const POLICIES: HostKeyPolicy[] = ['strict', 'accept-new', 'off'];


/** Reads a Lifeboat `ssh:` map (inventory-wide or per host) into the settings it overrides. */
export function readSshSettings(src: YamlSource, node: YNode, what: string, baseDir: string): Partial<SshSettings> {
  const out: Partial<SshSettings> = {};
  const entries = src.entries(node, what);
  if (!entries) return out;
  src.checkKeys(entries, SSH_KEYS, what);
  for (const { key, keyNode, value } of entries) {
    const field = `${what}.${key}`;
    switch (key) {
      case 'user':
        out.user = src.name(value, field, keyNode);
        break;
      case 'port': {
        out.port = src.integer(value, field, BOUNDS.port.min, keyNode, BOUNDS.port.max);
        break;
      }
      case 'identity_file': {
        const p = src.string(value, field, keyNode);
        if (p !== undefined) {
          out.identityFile = resolvePath(p, baseDir);
          rememberIdentityFileAt(out, src.loc(value, keyNode));
        }
        break;
      }
      case 'known_hosts': {
        const p = src.string(value, field, keyNode);
        if (p !== undefined) out.knownHosts = resolvePath(p, baseDir);
        break;
      }
      case 'host_key_policy': {
        const p = src.string(value, field, keyNode);
        if (p !== undefined && !POLICIES.includes(p as HostKeyPolicy)) {
          src.error(value, `${field} must be one of ${POLICIES.join(', ')}, got "${p}"`);
        } else if (p !== undefined) out.hostKeyPolicy = p as HostKeyPolicy;
        break;
      }
      case 'jump':
        out.jump = src.name(value, field, keyNode);
        break;
      case 'become':
        out.become = src.boolean(value, field, keyNode);
        break;
      case 'become_password':
        out.becomePassword = readSecretRef(src, value, field, baseDir);
        break;
      case 'use_agent':
        out.useAgent = src.boolean(value, field, keyNode);
        break;
      case 'connect_timeout':
        out.connectTimeoutMs = src.duration(value, field, BOUNDS.connectTimeoutMs.min, BOUNDS.connectTimeoutMs.max, keyNode);
        break;
      case 'keepalive':
        out.keepaliveMs = src.duration(value, field, BOUNDS.keepaliveMs.min, BOUNDS.keepaliveMs.max, keyNode);
        break;
      case 'connect_retries':
        out.connectRetries = src.integer(value, field, BOUNDS.connectRetries.min, keyNode, BOUNDS.connectRetries.max);
        break;
    }
  }
  return dropUndefined(out);
}

export function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Defaults, then inventory-wide settings, then the host's own. */
export function mergeSsh(...layers: Partial<SshSettings>[]): SshSettings {
  return Object.assign(defaultSshSettings(), ...layers.map((l) => dropUndefined({ ...l })));
}
