/**
 * A small `~/.ssh/config` reader: Host blocks (patterns with `*`, `?`, `!`) and the options Lifeboat
 * honours — HostName, User, Port, IdentityFile, ProxyJump. As in OpenSSH, the first value found for
 * an option wins, IdentityFile accumulates, and `Match` blocks are skipped (not supported).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { matchPatternList } from './host-pattern.ts';

export interface SshConfigBlock {
  /** Host patterns; `['*']` for options before the first Host line. */
  patterns: string[];
  options: { key: string; value: string; line: number }[];
}

export interface SshConfig {
  file?: string;
  blocks: SshConfigBlock[];
}

export interface SshConfigHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
}

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

/** Reads and parses an ssh config file; a missing file is an empty config. */
export function readSshConfig(path: string = defaultSshConfigPath()): SshConfig {
  if (!existsSync(path)) return { file: path, blocks: [] };
  return { ...parseSshConfig(readFileSync(path, 'utf8')), file: path };
}

export function parseSshConfig(text: string): SshConfig {
  const blocks: SshConfigBlock[] = [{ patterns: ['*'], options: [] }];
  let current: SshConfigBlock | undefined = blocks[0];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) return;
    const key = m[1]!.toLowerCase();
    const value = unquote(m[2]!.trim());
    if (key === 'host') {
      current = { patterns: splitWords(m[2]!), options: [] };
      blocks.push(current);
    } else if (key === 'match') {
      current = undefined; // options under Match are not applied
    } else if (current) {
      current.options.push({ key, value, line: i + 1 });
    }
  });
  return { blocks };
}

/** The options that apply to `host` (the name given to ssh), first value winning. */
export function sshConfigFor(config: SshConfig, host: string): SshConfigHost {
  const out: SshConfigHost = { identityFiles: [] };
  const seen = new Set<string>();
  for (const block of config.blocks) {
    if (!matchPatternList(block.patterns, host)) continue;
    for (const { key, value } of block.options) {
      if (key === 'identityfile') {
        out.identityFiles.push(expandTokens(value, host));
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      if (key === 'hostname') out.hostName = expandTokens(value, host);
      else if (key === 'user') out.user = value;
      else if (key === 'port') out.port = Number(value);
      else if (key === 'proxyjump' && value.toLowerCase() !== 'none') out.proxyJump = value;
    }
  }
  return out;
}

function expandTokens(value: string, host: string): string {
  let v = value.replace(/%(.)/g, (_all, t: string) => (t === 'h' ? host : t === 'd' ? homedir() : t === '%' ? '%' : `%${t}`));
  if (v === '~' || v.startsWith('~/')) v = join(homedir(), v.slice(1));
  return v;
}

function splitWords(s: string): string[] {
  return (s.match(/"[^"]*"|\S+/g) ?? []).map(unquote);
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}
