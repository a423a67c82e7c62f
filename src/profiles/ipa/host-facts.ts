import { sh } from '../389ds/actions/backup/host-steps.ts';
import { ActionError, type ActionContext } from '../../actions/types.ts';
import type { Inventory, InventoryHost } from '../../inventory/types.ts';
import type { RemoteHost } from '../../transport/types.ts';
import { IPA_TOOLS, toolsCheckCommand } from './commands.ts';

/**
 * What the ipa actions need to know about a host before changing it, read in ONE command: its
 * FQDN (ipa-restore compares it with the backup's), the IPA version (ipa --version prints
 * ipapython.version.VERSION, the same string ipa-backup writes as ipa_version), whether IPA is
 * configured (/etc/ipa/default.conf: ipa-restore asks for the DM password only then), and where
 * each IdM tool is.
 */
export const IPA_FACTS_COMMAND = [
  `printf 'fqdn\\t%s\\n' "$(hostname -f 2>/dev/null || hostname)"`,
  `printf 'ipa_version\\t%s\\n' "$(ipa --version 2>/dev/null | sed -n 's/^VERSION: \\([^,]*\\),.*/\\1/p')"`,
  `if [ -e /etc/ipa/default.conf ]; then printf 'configured\\tyes\\n'; else printf 'configured\\tno\\n'; fi`,
  toolsCheckCommand(IPA_TOOLS),
].join('; ');

export interface IpaHostFacts {
  fqdn: string;
  ipaVersion: string;
  configured: boolean;
  /** Tool name -> path; absent when not found. */
  tools: Record<string, string>;
  missing: string[];
}

export function parseIpaFacts(stdout: string): IpaHostFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('\t');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const tools: Record<string, string> = {};
  const missing: string[] = [];
  for (const t of IPA_TOOLS) {
    const p = kv.get(t);
    if (p) tools[t] = p;
    else missing.push(t);
  }
  return { fqdn: kv.get('fqdn') ?? '', ipaVersion: kv.get('ipa_version') ?? '', configured: kv.get('configured') === 'yes', tools, missing };
}

/** The refusal every ipa action gives on a host without FreeIPA's tools, naming them all. */
export function missingToolsMessage(host: string, missing: string[]): string {
  return `profile ipa: ${missing.join(', ')} not found on ${host} (is this a FreeIPA server? install the freeipa-server packages, or use profile 389ds)`;
}

export async function ipaFacts(remote: RemoteHost, ctx: ActionContext, need: readonly string[] = IPA_TOOLS): Promise<IpaHostFacts> {
  const r = await sh(remote, ctx, IPA_FACTS_COMMAND, 'reading IdM facts', 60_000);
  const f = parseIpaFacts(r.stdout);
  const missing = f.missing.filter((t) => need.includes(t));
  if (missing.length) throw new ActionError(missingToolsMessage(ctx.host.name, missing));
  return f;
}

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]*)$/i;

/**
 * The FQDN IdM knows a host by (ipa-replica-manage --from, set-renewal-master, the backup header):
 * host var `fqdn`, else the address when it is a dotted name. An IP address is not enough.
 */
export function fqdnOf(inv: Inventory, host: InventoryHost): string {
  const v = host.vars.fqdn ?? inv.vars.fqdn;
  if (typeof v === 'string' && v) return v;
  if (host.address.includes('.') && !IP_ADDRESS.test(host.address)) return host.address;
  throw new ActionError(`profile ipa: host ${host.name} is reached at ${host.address}, which is not its FQDN; set vars: { fqdn: <its IdM host name> } in the inventory`);
}

export function hostByName(inv: Inventory, name: string): InventoryHost {
  const h = inv.hosts.find((x) => x.name === name);
  if (!h) throw new ActionError(`"${name}" is not a host of inventory ${inv.file} (hosts: ${inv.hosts.map((x) => x.name).join(', ')})`);
  return h;
}
