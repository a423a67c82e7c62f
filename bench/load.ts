/**
 * Times loading and validating an inventory of N hosts (default 1,000 and 10,000), so a change that
 * makes loading quadratic shows up as a number (the YAML library's own duplicate-key check took
 * minutes on a 50 MB inventory). Prints figures; never passes or fails on time.
 *
 *   npx tsx bench/load.ts [--hosts 1000,10000]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInventory } from '../src/inventory/index.ts';
import { bigInventoryYaml } from '../test/helpers/big-inventory.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '1000,10000' } } });
const dir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-load-'));
try {
  for (const n of values.hosts.split(',').map(Number)) {
    const file = join(dir, `inv-${n}.yaml`);
    writeFileSync(file, bigInventoryYaml(n));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const inv = await loadInventory(file);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    // CPU time too: on a shared machine the wall time mostly measures the other processes.
    console.log(`${String(n).padStart(6)} hosts  ${(statSync(file).size / 1e6).toFixed(1)} MB  load+validate ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU  (${inv.hosts.length} hosts, ${((cpuMs / n) * 1000).toFixed(0)} µs CPU/host)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
