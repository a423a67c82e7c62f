/**
 * A small "cluster" for engine tests: N in-process ssh2 servers (real `sh -c` per command), an
 * inventory naming them ds1..dsN with a known_hosts file, and a temp dir for playbooks and state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../src/engine/events.ts';
import type { RunOptions } from '../../../src/engine/types.ts';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { testInventoryYaml } from '../../helpers/test-inventory.ts';

export interface TestCluster {
  names: string[];
  servers: TestSshServer[];
  dir: string;
  inventory: string;
  stateDir: string;
  /** The runs' lock directory (a per-user one by default; kept inside the test's dir here). */
  lockDir: string;
  server(name: string): TestSshServer;
  /** Commands a host's server ran, without the transport's own probes. */
  commands(name: string): string[];
  playbook(name: string, yaml: string): string;
  opts(playbookFile: string, more?: Partial<RunOptions>): RunOptions & { events: RunEvent[] };
  close(): Promise<void>;
}

export async function startCluster(n: number, inventoryExtra = ''): Promise<TestCluster> {
  const clientKey = generateEd25519();
  const names = Array.from({ length: n }, (_, i) => `ds${i + 1}`);
  const servers = await Promise.all(names.map(() => startTestSshServer({ clientKey })));
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-engine-'));
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.hostPublicKeyLine()).join('\n') + '\n');
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, testInventoryYaml({ cluster: 'enginetest', servers, names, knownHosts, extra: inventoryExtra }));
  const stateDir = join(dir, 'state');
  const lockDir = join(dir, 'locks');
  return {
    names,
    servers,
    dir,
    inventory,
    stateDir,
    lockDir,
    server: (name) => servers[names.indexOf(name)]!,
    commands: (name) => servers[names.indexOf(name)]!.commands.map((c) => c.command),
    playbook(name, yaml) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, yaml);
      return file;
    },
    opts(playbookFile, more = {}) {
      const events: RunEvent[] = [];
      return {
        playbookFile,
        inventoryFile: inventory,
        params: {},
        yes: true,
        concurrency: 10,
        stateDir,
        lockDir,
        onEvent: (e) => events.push(e),
        events,
        ...more,
      };
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Start times (ms) of the commands on a host whose text contains `marker`. */
export function startTimes(c: TestCluster, host: string, marker: string): number[] {
  return c.server(host).commands.filter((x) => x.command.includes(marker)).map((x) => x.time);
}

/** How many commands containing `marker` a host ran. */
export function count(c: TestCluster, host: string, marker: string): number {
  return c.commands(host).filter((x) => x.includes(marker)).length;
}
