import type { Command } from 'commander';
import type { HostKeyPolicy, Inventory } from '../inventory/types.ts';
import { formatTable } from '../report/table.ts';
import type { RemoteHost } from '../transport/types.ts';
import { mask, maskDeep } from '../util/secrets.ts';
import { oneLine } from '../report/format.ts';
import { runAction, type CliContext } from './common.ts';

export type HostKeyState = 'ok' | 'new (recorded)' | 'unknown' | 'CHANGED' | 'REVOKED' | 'not checked' | '-';

export interface HostCheck {
  host: string;
  address: string;
  reachable: boolean;
  hostKey: HostKeyState;
  connectMs?: number;
  /** Round trip of `true` on the open connection. */
  latencyMs?: number;
  error?: string;
}

interface Connector {
  get(hostName: string): Promise<RemoteHost>;
  closeAll(): Promise<void>;
}

/**
 * Connects to every host at once and times `true`. The pool lets at most 10 handshakes run against
 * one sshd (its default MaxStartups), so a host's `true` runs while the next handshakes proceed.
 */
export async function checkHosts(
  inv: Inventory,
  pool: Connector,
  policy?: HostKeyPolicy,
  /** Hosts whose key the pool just accepted and recorded (accept-new). */
  newKeys: ReadonlySet<string> = new Set(),
): Promise<HostCheck[]> {
  const checks = inv.hosts.map(
    async (h): Promise<HostCheck> => {
      const row: HostCheck = { host: h.name, address: `${h.address}:${h.ssh.port}`, reachable: false, hostKey: '-' };
      const t0 = performance.now();
      let remote: RemoteHost;
      try {
        remote = await pool.get(h.name);
      } catch (err) {
        row.connectMs = Math.round(performance.now() - t0);
        const e = err as { name?: string; reason?: string; message?: string };
        if (e.name === 'HostKeyError') {
          // The host answered: reachable, but its key is not one we trust.
          row.reachable = true;
          row.hostKey = e.reason === 'changed' ? 'CHANGED' : e.reason === 'revoked' ? 'REVOKED' : 'unknown';
        }
        row.error = oneLine(mask(e.message ?? String(err)));
        return row;
      }
      row.connectMs = Math.round(performance.now() - t0);
      row.reachable = true;
      row.hostKey = (policy ?? h.ssh.hostKeyPolicy) === 'off' ? 'not checked' : newKeys.has(h.name) ? 'new (recorded)' : 'ok';
      try {
        const t1 = performance.now();
        const res = await remote.exec('true', { timeoutMs: 10_000 });
        row.latencyMs = Math.round((performance.now() - t1) * 10) / 10;
        if (res.code !== 0) row.error = `\`true\` exited ${res.timedOut ? 'on timeout' : String(res.code)}`;
      } catch (err) {
        row.error = oneLine(mask(err instanceof Error ? err.message : String(err)));
      }
      return row;
    },
  );
  return Promise.all(checks);
}

export function checkTable(rows: HostCheck[]): string[] {
  return formatTable(
    ['HOST', 'ADDRESS', 'REACHABLE', 'HOST KEY', 'CONNECT MS', 'LATENCY MS', 'ERROR'],
    rows.map((r) => [
      r.host,
      r.address,
      r.reachable ? 'yes' : 'no',
      r.hostKey,
      r.connectMs !== undefined ? String(r.connectMs) : '',
      r.latencyMs !== undefined ? String(r.latencyMs) : '',
      r.error ?? '',
    ]),
  ).map(mask);
}

const TRUSTED: HostKeyState[] = ['ok', 'new (recorded)', 'not checked'];
const healthy = (r: HostCheck) => r.reachable && TRUSTED.includes(r.hostKey) && !r.error;

interface CheckFlags {
  inventory: string;
  json?: boolean;
  acceptNewHostKeys?: boolean;
}

export function registerInventoryCommands(program: Command, ctx: CliContext): void {
  const inventory = program.command('inventory').description('inspect an inventory');
  inventory
    .command('check')
    .description('validate an inventory, connect to every host at once, and report reachability, host keys and latency')
    .requiredOption('-i, --inventory <file>', 'inventory file (Lifeboat or Ansible YAML)')
    .option('--json', 'one JSON object per host per line')
    .option('--accept-new-host-keys', 'trust and record host keys seen for the first time')
    .addHelpText(
      'after',
      `
Examples:
  $ lifeboat inventory check -i inventories/lab.yaml
  $ lifeboat inventory check -i prod.yaml --json | jq -r 'select(.reachable|not) | .host'

Exit codes: 0 every host reachable with a trusted key, 1 otherwise, 2 the inventory is invalid.`,
    )
    .action((flags: CheckFlags) =>
      runAction(ctx, async () => {
        const { loadInventory } = await import('../inventory/index.ts');
        const { SshPool } = await import('../transport/index.ts');
        const inv = await loadInventory(flags.inventory);
        const { assertIdentityFiles } = await import('../inventory/identity-files.ts');
        await assertIdentityFiles(inv);
        const policy: HostKeyPolicy | undefined = flags.acceptNewHostKeys ? 'accept-new' : undefined;
        const newKeys = new Set<string>();
        const pool = new SshPool(inv, {
          hostKeyPolicy: policy,
          onEvent: (e: { host: string; message: string }) => {
            if (e.message.startsWith('accepted new host key')) newKeys.add(e.host);
          },
        });
        let rows: HostCheck[];
        try {
          rows = await checkHosts(inv, pool, policy, newKeys);
        } finally {
          await pool.closeAll();
        }
        if (flags.json) {
          for (const r of rows) ctx.io.stdout.write(JSON.stringify(maskDeep(r)) + '\n');
        } else {
          ctx.io.stdout.write(`Inventory ${inv.file}: cluster ${inv.cluster}, profile ${inv.profile}, ${inv.hosts.length} host(s)\n`);
          for (const line of checkTable(rows)) ctx.io.stdout.write(line + '\n');
          const bad = rows.filter((r) => !healthy(r)).length;
          ctx.io.stdout.write(bad ? `\n${bad} of ${rows.length} host(s) need attention.\n` : `\nAll ${rows.length} host(s) OK.\n`);
        }
        return rows.every(healthy) ? 0 : 1;
      }),
    );
}
