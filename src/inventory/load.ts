import { basename, dirname, extname, resolve } from 'node:path';
import type { Inventory } from './types.ts';
import { YamlSource } from '../source/yaml-source.ts';
import { looksLikeAnsible, readAnsibleInventory } from './ansible-format.ts';
import { readLifeboatInventory } from './lifeboat-format.ts';
import { finishInventory } from './draft.ts';

/**
 * Reads an inventory: Lifeboat's own YAML format, or an Ansible YAML inventory as it is.
 * Every problem found is collected and thrown together as InputErrors, each with file:line:col.
 */
export async function loadInventory(file: string): Promise<Inventory> {
  const src = await YamlSource.read(file, 'inventory');
  const absolute = resolve(file);
  const baseDir = dirname(absolute);
  const defaultCluster = basename(absolute, extname(absolute));
  src.throwIfErrors();

  const top = src.entries(src.root, 'the inventory');
  if (!top) {
    src.throwIfErrors();
    throw new Error('unreachable');
  }
  const draft = looksLikeAnsible(src, top)
    ? readAnsibleInventory(src, top, baseDir, defaultCluster)
    : readLifeboatInventory(src, top, baseDir, defaultCluster);
  const inv = finishInventory(src, absolute, draft);
  if (inv.hosts.length === 0 && src.errors.length === 0) src.error(src.root, 'the inventory has no hosts');
  src.throwIfErrors();
  const warnings = [...new Set(src.warnings)];
  if (warnings.length > 0) inv.warnings = warnings;
  return inv;
}
