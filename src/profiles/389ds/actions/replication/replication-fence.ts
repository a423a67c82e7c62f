import type { Action, ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';

/**
 * Before a restore, every supplier must either answer (so its agreements can be disabled) or be
 * fenced: a supplier we cannot reach could replay its changelog into the restored data later.
 * Lifeboat can only stop a host it can reach; since reachability is all-or-nothing here, an
 * unreachable host passes only when the operator confirms it is stopped (`stopped: [ds4]`).
 */

const REACH_MARK = 'lifeboat-reachable';
const REACH_COMMAND = `echo ${REACH_MARK}`;

export function unreachableMessage(host: string, fence: boolean): string {
  return fence
    ? `${host} is unreachable and could not be fenced: Lifeboat cannot stop it over SSH. Stop it or cut it off out of band and list it in "stopped" (-e stopped=${host}), or bring it back and resume`
    : `${host} is unreachable and not fenced: a supplier that could replay its changelog must be stopped or cut off before a restore: bring it back and resume, or, once it is stopped or cut off for good, give -e fence=true -e stopped=${host} (to a new run or to lifeboat resume); if ${host} was decommissioned, remove it from the inventory`;
}

export function allDownMessage(ctx: ActionContext, hosts: string[]): string {
  const ports = [...new Set(hosts.map((n) => ctx.inventory.hosts.find((h) => h.name === n)?.ssh.port).filter((p) => p !== undefined))];
  return `no host answered over SSH (port ${ports.join(', ')} from ${ctx.inventory.file}): check the inventory's ssh port, addresses and identity_file first (\`lifeboat inventory check -i ${ctx.inventory.file}\`); fence only hosts that are really down`;
}

function hostList(ctx: ActionContext, value: unknown, fallback: string[]): string[] {
  if (value === undefined || value === null || value === 'all') return fallback;
  const names = Array.isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!ctx.inventory.hosts.some((h) => h.name === n)) throw new ActionError(`replication.fence: unknown host "${n}"`);
  return names;
}

async function reachable(ctx: ActionContext, host: string, timeoutMs: number): Promise<string | undefined> {
  const attempt = (async () => {
    const remote = await ctx.connect(host);
    const r = await remote.exec(REACH_COMMAND, { timeoutMs, signal: ctx.signal });
    return r.code === 0 && r.stdout.includes(REACH_MARK) ? undefined : `exit ${r.code}${r.stderr ? `: ${r.stderr.trim()}` : ''}`;
  })();
  attempt.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  try {
    return await Promise.race([attempt.catch((e: unknown) => (e instanceof Error ? e.message : String(e))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const replicationFence: Action = {
  name: 'replication.fence',
  readOnly: true,
  description: 'Check every supplier is reachable before a restore; stop the run naming any that is neither reachable nor fenced',
  args: {
    hosts: { type: 'any', default: 'all', description: 'Suppliers to check (`all` or a list)' },
    fence: { type: 'boolean', default: false, description: 'Fence unreachable suppliers instead of only refusing (needs them confirmed stopped)' },
    stopped: { type: 'string[]', default: [], description: 'Hosts the operator confirms are powered off or cut off for good' },
    connect_timeout_s: { type: 'number', default: 15, description: 'How long to try each host' },
  },
  plan(ctx) {
    return hostList(ctx, ctx.args.hosts, ctx.inventory.hosts.map((h) => h.name)).map((h) => ({
      host: h,
      command: REACH_COMMAND,
      note: `reachability of ${h} over SSH`,
    }));
  },
  async run(ctx) {
    const hosts = hostList(ctx, ctx.args.hosts, ctx.inventory.hosts.map((h) => h.name));
    const stopped = hostList(ctx, ctx.args.stopped ?? [], []);
    const fence = Boolean(ctx.args.fence);
    const timeoutMs = Number(ctx.args.connect_timeout_s ?? 15) * 1000;
    const results = await Promise.all(hosts.map(async (h) => ({ host: h, problem: await reachable(ctx, h, timeoutMs) })));
    const down = results.filter((r) => r.problem);
    const confirmed = down.filter((r) => fence && stopped.includes(r.host));
    for (const c of confirmed) ctx.emit({ kind: 'warning', host: c.host, message: `${c.host} is unreachable; fenced on the operator's word that it is stopped` });
    const refused = down.filter((r) => !confirmed.includes(r));
    if (refused.length) {
      // Every host down at once is far more often a stale inventory (SSH port, addresses, key) than a disaster.
      const lines = down.length === hosts.length && hosts.length > 1 ? [allDownMessage(ctx, hosts)] : [];
      lines.push(...refused.map((r) => `${unreachableMessage(r.host, fence)} [${r.problem}]`));
      throw new ActionError(lines.join('\n'), {
        hint: refused.map((r) => `${r.host}: ${r.problem}`).join('; '),
      });
    }
    for (const c of confirmed) {
      ctx.emit({ kind: 'warning', host: c.host, message: `${c.host} is left out of this run: before it comes back, keep it off the network until "lifeboat run rejoin -e target=${c.host}" re-initializes it from the restored topology (or reinstall it: server-loss playbook)` });
    }
    return {
      changed: false,
      facts: { fenced: confirmed.map((c) => c.host) },
      summary: `${hosts.length - down.length}/${hosts.length} suppliers reachable${confirmed.length ? `, fenced: ${confirmed.map((c) => c.host).join(', ')}` : ''}`,
      output: { reachable: results.filter((r) => !r.problem).map((r) => r.host), fenced: confirmed.map((c) => c.host) },
    };
  },
};
