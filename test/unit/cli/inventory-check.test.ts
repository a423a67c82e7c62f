import { describe, expect, it } from 'vitest';
import { checkHosts, checkTable } from '../../../src/cli/inventory-check.ts';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.ts';
import type { RemoteHost } from '../../../src/transport/types.ts';
import { HostKeyError } from '../../../src/transport/host-key-error.ts';

const host = (name: string): InventoryHost => ({
  name,
  address: '127.0.0.1',
  roles: [],
  groups: [],
  vars: {},
  ssh: { user: 'root', port: 2200, hostKeyPolicy: 'strict', become: false, useAgent: false, connectTimeoutMs: 1000, keepaliveMs: 0, connectRetries: 0 },
});

const inv: Inventory = { file: '/x/inv.yaml', cluster: 'c', profile: '389ds', vars: {}, hosts: ['ds1', 'ds2', 'ds3', 'ds4'].map(host), groups: {}, secrets: {} };

function fakeRemote(name: string, code: number): RemoteHost {
  return {
    name,
    exec: async (command) => ({ command, code, stdout: '', stderr: '', durationMs: 1, timedOut: false }),
    put: async () => ({ bytes: 0, sha256: '', durationMs: 0 }),
    get: async () => ({ bytes: 0, sha256: '', durationMs: 0 }),
    close: async () => undefined,
  };
}

describe('inventory check', () => {
  it('reports reachable, host key state, latency and errors per host', async () => {
    const pool = {
      get: async (name: string) => {
        if (name === 'ds2') throw new HostKeyError('ds2', 'SHA256:abc', '/k:3', 'changed');
        if (name === 'ds3') throw new Error('connect ECONNREFUSED 127.0.0.1:2200');
        return fakeRemote(name, name === 'ds4' ? 1 : 0);
      },
      closeAll: async () => undefined,
    };
    const rows = await checkHosts(inv, pool);
    expect(rows.map((r) => [r.host, r.reachable, r.hostKey])).toEqual([
      ['ds1', true, 'ok'],
      ['ds2', true, 'CHANGED'],
      ['ds3', false, '-'],
      ['ds4', true, 'ok'],
    ]);
    expect(rows[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(rows[0]!.error).toBeUndefined();
    expect(rows[2]!.error).toContain('ECONNREFUSED');
    expect(rows[3]!.error).toBe('`true` exited 1');
    const table = checkTable(rows);
    expect(table[0]).toMatch(/^HOST\s+ADDRESS\s+REACHABLE\s+HOST KEY\s+CONNECT MS\s+LATENCY MS\s+ERROR$/);
    const again = await checkHosts(inv, pool, 'accept-new', new Set(['ds1']));
    expect(again[0]!.hostKey).toBe('new (recorded)');
    expect(table[2]).toMatch(/^ds2\s+127\.0\.0\.1:2200\s+yes\s+CHANGED\s+\d+\s+host key for ds2 has CHANGED/);
  });
});
