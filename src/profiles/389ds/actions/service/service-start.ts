import type { Action } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import { waitForLdapiCommand } from '../ldapi-wait.ts';
import { endOf } from '../provision/remote-step.ts';

export function startCommand(instance: string): string {
  return `dsctl ${shq(instance)} start`;
}

/** Starts the instance and returns only once it answers on LDAPI, so the next step can talk to it. */
export const serviceStart: Action = {
  name: 'service.start',
  description: 'Start the 389-ds instance (dsctl INSTANCE start) and wait until LDAPI answers',
  args: {
    wait_s: { type: 'number', default: 60, description: 'How long to wait for LDAPI to answer' },
  },
  plan(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    return [
      { host: ctx.host.name, command: startCommand(inst) },
      { host: ctx.host.name, command: waitForLdapiCommand(inst, Number(ctx.args.wait_s ?? 60)), note: 'waits for LDAPI' },
    ];
  },
  async run(ctx) {
    const inst = instanceName(ctx.inventory, ctx.host);
    const remote = await ctx.connect();
    const r = await remote.exec(startCommand(inst), { signal: ctx.signal, timeoutMs: 120_000 });
    if (r.code !== 0) throw new ActionError(`${ctx.host.name}: dsctl start failed (${endOf(r)})`, { command: r.command, code: r.code, stdout: r.stdout, stderr: r.stderr });
    const waitS = Number(ctx.args.wait_s ?? 60);
    const w = await remote.exec(waitForLdapiCommand(inst, waitS), { signal: ctx.signal, timeoutMs: (waitS + 10) * 1000 });
    if (w.code !== 0) throw new ActionError(`${ctx.host.name}: ${inst} started but LDAPI did not answer within ${waitS} s`);
    return { changed: true, summary: `${inst} started and answering` };
  },
};
