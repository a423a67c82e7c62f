/**
 * Connection settings for one inventory host: the inventory wins, `~/.ssh/config` fills what the
 * inventory leaves at its defaults (user root, port 22, no identity file, no jump, address equal to
 * the host name), then the usual default identities.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostKeyPolicy, InventoryHost } from '../inventory/types.ts';
import type { ConnectTarget } from './connect.ts';
import { sshConfigFor, type SshConfig, type SshConfigHost } from './ssh-config.ts';

export interface HostConnectSettings {
  target: ConnectTarget;
  /** ProxyJump hops, outermost first: inventory names or `[user@]host[:port]`. */
  jumps: string[];
}

function lookup(config: SshConfig, names: string[]): SshConfigHost {
  const merged: SshConfigHost = { identityFiles: [] };
  for (const n of names) {
    const c = sshConfigFor(config, n);
    merged.hostName ??= c.hostName;
    merged.user ??= c.user;
    merged.port ??= c.port;
    merged.proxyJump ??= c.proxyJump;
    merged.identityFiles.push(...c.identityFiles);
  }
  return merged;
}

function defaultIdentity(configured: string[]): string | undefined {
  const candidates = [...configured, join(homedir(), '.ssh', 'id_ed25519'), join(homedir(), '.ssh', 'id_ecdsa'), join(homedir(), '.ssh', 'id_rsa')];
  return candidates.find((p) => existsSync(p));
}

export function defaultKnownHosts(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

export function hostConnectSettings(host: InventoryHost, config: SshConfig, policy?: HostKeyPolicy): HostConnectSettings {
  const s = host.ssh;
  const c = lookup(config, [...new Set([host.name, host.address])]);
  const jump = s.jump ?? c.proxyJump;
  return {
    target: {
      name: host.name,
      host: host.address === host.name && c.hostName ? c.hostName : host.address,
      port: s.port !== 22 ? s.port : (c.port ?? 22),
      user: s.user !== 'root' ? s.user : (c.user ?? s.user),
      identityFile: s.identityFile ?? defaultIdentity(c.identityFiles),
      agent: s.useAgent ? process.env.SSH_AUTH_SOCK || undefined : undefined,
      knownHosts: s.knownHosts ?? defaultKnownHosts(),
      hostKeyPolicy: policy ?? s.hostKeyPolicy,
      connectTimeoutMs: s.connectTimeoutMs,
      keepaliveMs: s.keepaliveMs,
      connectRetries: s.connectRetries,
    },
    // An inventory-wide jump host applies to every host but the jump host itself.
    jumps: jump ? jump.split(',').map((j) => j.trim()).filter((j) => j && j !== host.name) : [],
  };
}

/** A jump hop that is not an inventory host: `[user@]host[:port]`, reusing the target's keys. */
export function jumpSpecSettings(spec: string, via: ConnectTarget, config: SshConfig): ConnectTarget {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`bad jump host "${spec}": expected [user@]host[:port]`);
  const name = m[2]!.replace(/^\[|\]$/g, '');
  const c = sshConfigFor(config, name);
  return {
    ...via,
    name: spec,
    host: c.hostName ?? name,
    port: m[3] ? Number(m[3]) : (c.port ?? 22),
    user: m[1] ?? c.user ?? via.user,
    identityFile: c.identityFiles.find((p) => existsSync(p)) ?? via.identityFile,
  };
}
