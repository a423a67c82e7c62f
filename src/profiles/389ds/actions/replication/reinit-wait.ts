import type { RemoteHost } from '../../../../transport/types.ts';
import type { ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { parseLdif, searchCommand } from '../ldap.ts';
import { AGREEMENT_ATTRS, agreementFromEntry, type Agreement } from './agreements.ts';
import { endOf } from '../provision/remote-step.ts';

/**
 * Waiting for a total update without a controller round trip per poll: one command on the
 * supplier reads the agreement every `pollMs` there and answers only when the entry differs from
 * what the controller saw last (sent on stdin) — the init started, its status moved, it ended —
 * or after `maxSeconds`, so the controller can check its deadlines. Each answer is an event.
 */
export function waitChangeCommand(instance: string, dn: string, pollMs: number, maxSeconds: number): string {
  const search = searchCommand(instance, dn, 'base', '(objectClass=*)', AGREEMENT_ATTRS);
  const tries = Math.max(1, Math.ceil((maxSeconds * 1000) / pollMs));
  const pause = (pollMs / 1000).toFixed(3);
  return [
    `prev=$(cat); i=0; while :; do`,
    `out=$(${search}) || exit $?;`,
    `[ "$out" != "$prev" ] && break; i=$((i+1)); [ $i -ge ${tries} ] && break;`,
    `sleep ${pause}; done; printf '%s\\n' "$out"`,
  ].join(' ');
}

export async function waitAgreementChange(
  ctx: ActionContext,
  remote: RemoteHost,
  supplier: string,
  instance: string,
  dn: string,
  seen: string,
  pollMs: number,
): Promise<{ agreement: Agreement; text: string }> {
  const command = waitChangeCommand(instance, dn, pollMs, 5);
  const r = await remote.exec(command, { stdin: seen, signal: ctx.signal, timeoutMs: 60_000 });
  const entry = r.code === 0 ? parseLdif(r.stdout)[0] : undefined;
  if (!entry) {
    throw new ActionError(`${supplier}: could not read agreement ${dn} during the re-init (${endOf(r)})`, {
      command,
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return { agreement: agreementFromEntry(ctx.inventory, supplier, entry), text: r.stdout.replace(/\n+$/, '') };
}
