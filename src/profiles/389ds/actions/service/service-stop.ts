import type { Action } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import { endOf } from '../provision/remote-step.ts';

export function stopCommand(instance: string): string {
  return `dsctl ${shq(instance)} stop`;
}

/** Stops the instance with dsctl (offline tools such as bak2db refuse to run beside a live server). */
export const serviceStop: Action = {
  name: 'service.stop',
  description: 'Stop the 389-ds instance (dsctl INSTANCE stop)',
  destructive: true,
  args: {},
  plan(ctx) {
    return [{ host: ctx.host.name, command: stopCommand(instanceName(ctx.inventory, ctx.host)) }];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    const r = await remote.exec(stopCommand(inst), { signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? 120_000 });
    // dsctl prints a FIPS notice on stderr: only the exit code tells failure.
    if (r.code !== 0) throw new ActionError(`${ctx.host.name}: dsctl stop failed (${endOf(r)})`, { command: r.command, code: r.code, stdout: r.stdout, stderr: r.stderr });
    return { changed: true, summary: `${inst} stopped`, undo: { do: 'service.start', with: {} } };
  },
};
