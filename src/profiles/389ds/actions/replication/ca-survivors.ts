import type { Action, ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { caSuffix, instanceName } from '../host-vars.ts';
import { ldapSearch } from '../ldap.ts';

/**
 * Before rebuilding a lost CA host: which CA hosts survive (role `ca`, reachable, still serving the
 * CA suffix)? With none, rebuilding cannot bring the CA back (seed 002: "If only one server
 * provides CA services and it is damaged, the entire environment will be lost"), so the run
 * refuses. With fewer than three CA hosts after the rebuild, it warns (seed 002 recommends three
 * or more). Sets the fact `ca_source`: the given `from`, or the first surviving CA host.
 */

export const NO_CA_SURVIVES =
  'no CA host survives: the CA data (o=ipaca) exists nowhere else, so a rebuilt host would get an empty CA. Seed 002: "If only one server provides CA services and it is damaged, the entire environment will be lost." Restore a CA host from a backup instead (data-loss playbook)';

export function fewCaWarning(remaining: string[]): string {
  return `only ${remaining.length} CA host(s) will remain after the rebuild (${remaining.join(', ')}): Red Hat strongly recommends three or more replicas with CA services (seed 002); add CA replicas`;
}

async function serving(ctx: ActionContext, host: string, suffix: string, timeoutMs: number): Promise<boolean> {
  const h = ctx.inventory.hosts.find((x) => x.name === host)!;
  const probe = (async () => {
    const remote = await ctx.connect(host);
    return (await ldapSearch(remote, instanceName(ctx.inventory, h), suffix, 'base', '(objectClass=*)', ['1.1'], { signal: ctx.signal })).length > 0;
  })();
  probe.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([probe.catch(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const caSurvivors: Action = {
  name: 'ca.survivors',
  readOnly: true,
  description: 'Find the CA hosts that survive the loss of one; refuse when none does, warn when fewer than three will remain',
  args: {
    lost: { type: 'string', required: true, description: 'The lost CA host being rebuilt' },
    from: { type: 'string', default: 'auto', description: 'CA host to rebuild from; `auto`: the first surviving one' },
    connect_timeout_s: { type: 'number', default: 15, description: 'How long to wait for each CA host' },
  },
  plan(ctx) {
    return ctx.inventory.hosts
      .filter((h) => h.roles.includes('ca') && h.name !== ctx.args.lost)
      .map((h) => ({ host: h.name, command: `ldapsearch … -b ${caSuffix(ctx.inventory, h) ?? 'o=ipaca'} -s base`, note: 'is this CA host alive and serving the CA suffix?' }));
  },
  async run(ctx) {
    const lost = String(ctx.args.lost);
    const lostHost = ctx.inventory.hosts.find((h) => h.name === lost);
    if (!lostHost) throw new ActionError(`ca.survivors: "${lost}" is not an inventory host`);
    const suffix = caSuffix(ctx.inventory, lostHost);
    if (!suffix) throw new ActionError('ca.survivors: the inventory has no ca_suffix (e.g. o=ipaca)');
    const candidates = ctx.inventory.hosts.filter((h) => h.roles.includes('ca') && h.name !== lost).map((h) => h.name);
    const timeoutMs = Number(ctx.args.connect_timeout_s ?? 15) * 1000;
    const alive = (await Promise.all(candidates.map(async (h) => ((await serving(ctx, h, suffix, timeoutMs)) ? h : undefined)))).filter((h): h is string => !!h);
    if (alive.length === 0) throw new ActionError(`${NO_CA_SURVIVES} (CA hosts in the inventory besides ${lost}: ${candidates.join(', ') || 'none'})`);
    const wanted = String(ctx.args.from ?? 'auto');
    if (wanted !== 'auto' && !alive.includes(wanted)) {
      throw new ActionError(`from: ${wanted} is not a surviving CA host (surviving: ${alive.join(', ')})`);
    }
    const source = wanted === 'auto' ? alive[0]! : wanted;
    const remaining = [...alive, lost];
    if (remaining.length < 3) ctx.emit({ kind: 'warning', message: fewCaWarning(remaining) });
    return {
      changed: false,
      summary: `surviving CA hosts: ${alive.join(', ')}; rebuilding ${lost} from ${source}`,
      output: { alive, source, dead: candidates.filter((c) => !alive.includes(c)) },
      facts: { ca_source: source, ca_alive: alive },
    };
  },
};
