import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { fileReason } from '../util/file-reason.ts';

/**
 * `-e @vars.yaml` (Ansible's form): a YAML or JSON map of params, read as if each were given as
 * `-e key=value`: lists become `a,b`, numbers and booleans their text.
 */
export function readExtraVarsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${file}: ${fileReason(e)}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    // file:line:col like every other YAML mistake, without the yaml library's own "at line L, column C".
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const why = (e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InvalidArgumentError(`${where}: not YAML or JSON: ${why}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new InvalidArgumentError(`${file}: expected a map of param: value`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (!/^[A-Za-z_][\w.-]*$/.test(k)) throw new InvalidArgumentError(`${file}: "${k}" is not a param name`);
    if (Array.isArray(v)) out[k] = v.map(String).join(',');
    else if (v !== null && typeof v === 'object') throw new InvalidArgumentError(`${file}: ${k} is a map; params take text, numbers, true/false or lists`);
    else out[k] = v === null ? '' : String(v);
  }
  return out;
}
