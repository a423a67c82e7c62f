import { ActionError, type ActionContext } from '../../actions/types.ts';
import { hostByName } from './host-facts.ts';

/**
 * The surviving CA host (`to`) that takes over a CA duty of the lost one (the renewal master, the
 * CRL): given, holding the ca role, and not the lost host itself.
 */
export function survivingCaTarget(ctx: ActionContext, action: string, duty: string): string {
  const to = String(ctx.args.to ?? '');
  if (!to) throw new ActionError(`${action}: give to: (a surviving CA host, e.g. "{{ facts.ca_source }}")`);
  const h = hostByName(ctx.inventory, to);
  if (!h.roles.includes('ca')) throw new ActionError(`${action}: ${to} has no ca role and cannot ${duty}`);
  if (to === ctx.args.lost) throw new ActionError(`${action}: ${to} is the lost host`);
  return to;
}
