import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionContext, ArgSpec, PlannedCommand } from '../../actions/types.ts';
import type { Inventory, InventoryHost } from '../../inventory/types.ts';
import { ActionError } from '../../actions/types.ts';
import { CtmClient } from './client.ts';
import { CtmNode } from './node-ops.ts';
import type { StepRunOptions } from './run-steps.ts';
import { apiLines, ksctlLines, type CtmStep } from './steps.ts';

/**
 * Inventory settings of the profile (README "CipherTrust Manager"): per host `api_url` (default
 * https://<address>) and `api_pin_sha256`; cluster-wide `api_user`, `api_domain`, `api_ca_file`,
 * `poll_interval_ms`, `lts_releases`, `access` (api | ksctl) and `admin_host`; secrets
 * `api_password` and `backup_key_password`.
 */
export function apiUrl(h: InventoryHost): string {
  const v = h.vars.api_url;
  return typeof v === 'string' && v ? v.replace(/\/+$/, '') : `https://${h.address}`;
}

export function apiUser(inv: Inventory): string {
  return typeof inv.vars.api_user === 'string' && inv.vars.api_user ? inv.vars.api_user : 'admin';
}

export function ltsReleases(inv: Inventory): string[] {
  const v = inv.vars.lts_releases;
  return Array.isArray(v) ? v.map(String) : [];
}

export function pollMs(inv: Inventory): number {
  const v = Number(inv.vars.poll_interval_ms ?? 2000);
  return Number.isFinite(v) && v > 0 ? v : 2000;
}

function hostOf(ctx: ActionContext, name: string): InventoryHost {
  const h = ctx.inventory.hosts.find((x) => x.name === name);
  if (!h) throw new ActionError(`${ctx.host.name}: no inventory host "${name}" (hosts: ${ctx.inventory.hosts.map((x) => x.name).join(', ')})`);
  return h;
}

/**
 * The secrets every CipherTrust action may need, declared so the engine resolves them once before
 * the run (and refuses the run when the inventory lacks the API password).
 */
export const CTM_SECRET_ARGS: Record<string, ArgSpec> = {
  api_password_secret: { type: 'string', default: 'api_password', secretSource: 'inventory', description: 'inventory secret holding the API password' },
  backup_key_password_secret: { type: 'string', default: 'backup_key_password', secretSource: 'inventory', secretOptional: true, description: 'inventory secret protecting exported backup key files' },
};

// One client per (inventory, host) for the run: the password is resolved once, tokens are reused.
const clients = new WeakMap<Inventory, Map<string, Promise<CtmNode>>>();

export function nodeFor(ctx: ActionContext, name = ctx.host.name): Promise<CtmNode> {
  refuseKsctlRun(ctx);
  let m = clients.get(ctx.inventory);
  if (!m) clients.set(ctx.inventory, (m = new Map()));
  let p = m.get(name);
  if (!p) {
    const h = hostOf(ctx, name);
    p = (async () => {
      const password = await ctx.secret(String(ctx.args.api_password_secret ?? 'api_password'));
      const caFile = ctx.inventory.vars.api_ca_file;
      const ca = typeof caFile === 'string' && caFile ? readFileSync(path.resolve(path.dirname(ctx.inventory.file), caFile)) : undefined;
      const pin = typeof h.vars.api_pin_sha256 === 'string' ? h.vars.api_pin_sha256 : undefined;
      const domain = typeof ctx.inventory.vars.api_domain === 'string' ? ctx.inventory.vars.api_domain : undefined;
      const client = new CtmClient({ url: apiUrl(h), user: apiUser(ctx.inventory), password, ca, pinSha256: pin, domain, signal: ctx.signal });
      return new CtmNode(name, client, { pollMs: pollMs(ctx.inventory), signal: ctx.signal });
    })();
    p.catch(() => m!.delete(name)); // a failed log-in is retried by the next step, not cached
    m.set(name, p);
  }
  return p;
}

/** How the step list reaches the nodes: the REST API from the controller, or ksctl on an admin host. */
export function access(inv: Inventory): 'api' | 'ksctl' {
  return inv.vars.access === 'ksctl' ? 'ksctl' : 'api';
}

/** Values known only at run time read `<backup_id>` in a plan. */
const later = (t: string) => t.replace(/\$\{([a-z_]+)\}/g, '<$1>');

export function planSteps(ctx: ActionContext, steps: CtmStep[]): PlannedCommand[] {
  return planLines(ctx, steps).map((c) => ({ ...c, command: later(c.command), ...(c.note ? { note: later(c.note) } : {}) }));
}

function planLines(ctx: ActionContext, steps: CtmStep[]): PlannedCommand[] {
  const inv = ctx.inventory;
  if (access(inv) === 'ksctl') {
    const admin = typeof inv.vars.admin_host === 'string' ? inv.vars.admin_host : undefined;
    if (!admin) throw new ActionError('access: ksctl needs inventory var admin_host (the host where ksctl runs over SSH)');
    return steps.flatMap((s) => ksctlLines(s, apiUrl(hostOf(ctx, s.node)), apiUser(inv)).map((command) => ({ host: admin, command, stdin: 'password ***', note: `${s.node}: ${s.what}` })));
  }
  return steps.flatMap((s) => apiLines(s, apiUrl(hostOf(ctx, s.node))).map((command) => ({ host: s.node, command, note: s.what })));
}

/** Every run reaches the nodes through nodeFor or stepOptions: both refuse the plan-only ksctl path first. */
function refuseKsctlRun(ctx: ActionContext): void {
  if (access(ctx.inventory) === 'ksctl') {
    throw new ActionError(`${ctx.host.name}: access: ksctl is plan-only in this version (the commands are printed by \`lifeboat plan\`); run with access: api`);
  }
}

export function stepOptions(ctx: ActionContext, vars: Record<string, string>, timeoutMs = 3_600_000): StepRunOptions {
  refuseKsctlRun(ctx);
  return {
    node: (n) => nodeFor(ctx, n),
    vars,
    timeoutMs: ctx.timeoutMs ?? timeoutMs,
    progress: (message) => ctx.emit({ kind: 'progress', message }),
    keyPassword: () => ctx.secret(String(ctx.args.backup_key_password_secret ?? 'backup_key_password')),
  };
}
