import type { ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import type { InventoryHost } from '../../../../inventory/types.ts';
import { instanceName } from '../host-vars.ts';
import { ldapiUrl, shq } from '../ldap.ts';

/**
 * A simple bind as Directory Manager on a peer, the password on stdin (`-y /dev/stdin`), never argv.
 * Without it a wrong `dm_password` secret gave a rebuilt host another Directory Manager password
 * than every replica it joins, silently (the 389ds actions otherwise never bind with it).
 */
export function dmBindCommand(instance: string): string {
  return `ldapwhoami -x -H ${shq(ldapiUrl(instance))} -D 'cn=Directory Manager' -y /dev/stdin >/dev/null`;
}

export function planDmPasswordCheck(ctx: ActionContext, peers: InventoryHost[]): PlannedCommand[] {
  const peer = peers[0];
  if (!peer) return [];
  return [{
    host: peer.name,
    command: dmBindCommand(instanceName(ctx.inventory, peer)),
    stdin: 'the Directory Manager password ***',
    note: `on ${peer.name}: the secret must be the Directory Manager password the replicas already have (else from the next that answers${peers.length > 1 ? `: ${peers.slice(1).map((p) => p.name).join(', ')}` : ''})`,
  }];
}

/** Refuses, before anything is created, a password the first peer that can tell says is wrong (LDAP 49). */
export async function checkDmPasswordOnPeers(ctx: ActionContext, peers: InventoryHost[], password: string): Promise<void> {
  for (const peer of peers) {
    const inst = instanceName(ctx.inventory, peer);
    let code: number | null;
    try {
      code = (await (await ctx.connect(peer.name)).exec(dmBindCommand(inst), { stdin: password, signal: ctx.signal, timeoutMs: 30_000 })).code;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      continue;
    }
    if (code === 0) return;
    if (code === 49) {
      throw new ActionError(
        `${ctx.host.name}: the Directory Manager password in secret ${String(ctx.args.dm_password_secret)} is not the one ${peer.name} has (its slapd-${inst} answered "Invalid credentials"); ` +
          `the rebuilt host would get another one than the replicas it joins. Nothing was created: fix the secret and run again`,
      );
    }
    // Any other answer (no server there, LDAPI closed) cannot tell: ask the next peer.
  }
}
