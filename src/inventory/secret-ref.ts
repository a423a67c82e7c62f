import type { SecretRef } from './types.ts';
import type { YamlSource, YNode } from '../source/yaml-source.ts';
import { resolvePath } from './paths.ts';

/**
 * Reads `{ env: NAME }`, `{ file: PATH }` or `{ value: ... }` (warned against: the secret then
 * sits in the inventory in clear text). File paths become absolute here.
 */
export function readSecretRef(src: YamlSource, node: YNode, what: string, baseDir: string): SecretRef | undefined {
  const entries = src.entries(node, what);
  if (!entries) return undefined;
  src.checkKeys(entries, ['env', 'file', 'value'], what);
  const known = entries.filter((e) => ['env', 'file', 'value'].includes(e.key));
  if (known.length !== 1) {
    src.error(node, `${what} must have exactly one of env, file or value`);
    return undefined;
  }
  const { key, value } = known[0]!;
  if (key === 'env') {
    const name = src.string(value, `${what}.env`, known[0]!.keyNode);
    return name === undefined ? undefined : { env: name };
  }
  if (key === 'file') {
    const path = src.string(value, `${what}.file`, known[0]!.keyNode);
    return path === undefined ? undefined : { file: resolvePath(path, baseDir) };
  }
  const v = src.scalar(value);
  if (typeof v !== 'string' && typeof v !== 'number') {
    src.typeError(value, `${what}.value`, 'a string', known[0]!.keyNode);
    return undefined;
  }
  src.warn(known[0]!.keyNode, `${what} is written in the inventory in clear text; prefer { env: NAME } or { file: PATH }`);
  return { value: String(v) };
}
