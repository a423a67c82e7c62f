import path from 'node:path';
import { rm } from 'node:fs/promises';
import { shellQuote as q } from '../../../transport/shell-quote.ts';
import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { ktsVars, pairOf } from '../kts-vars.ts';
import { logsDir } from '../pg.ts';
import { plannedSteps, runSteps, sh, type KtsStep } from './steps.ts';

const rel = (p: string) => p.replace(/^\/+/, '');
const STAGE = '/var/tmp/kts-confdir.tar';

/**
 * Seed 004: the configuration directory is copied from the other server of the pair without
 * `.ssl` (each server keeps its own TLS identity) and `*.pid`, and a `logs` directory owned by the
 * service account is created. The tar hops through the controller: the hosts need no SSH trust
 * between them.
 */
function steps(ctx: ActionContext, fromName: string): { probe?: KtsStep; pack: KtsStep; unpack: KtsStep[] } {
  const v = ktsVars(ctx.inventory, ctx.host);
  const from = ctx.inventory.hosts.find((h) => h.name === fromName)!;
  const fv = ktsVars(ctx.inventory, from);
  const u = q(v.serviceUser);
  const missingOnly = ctx.args.only_if_missing === true || ctx.args.only_if_missing === 'true';
  return {
    ...(missingOnly ? { probe: { what: 'is the confdir there', command: `[ -d ${q(v.confdir)} ] && echo present || echo missing`, note: 'read only; present: nothing below runs' } } : {}),
    pack: { what: `confdir of ${fromName} without .ssl and *.pid`, on: fromName, command: `umask 077 && tar -C / -cf ${STAGE} --exclude=${q(`${rel(fv.confdir)}/.ssl`)} --exclude='*.pid' ${q(rel(fv.confdir))}` },
    unpack: [
      { what: 'unpack the confdir', command: `rm -rf ${q(v.confdir)} && install -d -m 755 -o ${u} -g ${u} ${q(path.posix.dirname(v.confdir))} && tar -x -C / -f ${STAGE}; rc=$?; rm -f ${STAGE}; exit $rc` },
      { what: 'logs directory owned by the service account', command: `install -d -m 755 -o ${u} -g ${u} ${q(logsDir(v))}` },
    ],
  };
}

function source(ctx: ActionContext): string {
  const { active, passive } = pairOf(ctx.inventory);
  const from = ctx.args.from === 'passive' ? passive : ctx.args.from === 'active' ? active : undefined;
  if (!from) throw new ActionError(`confdir.copy: from must be active or passive (got ${JSON.stringify(ctx.args.from)})`);
  if (from.name === ctx.host.name) throw new ActionError(`confdir.copy: ${ctx.host.name} cannot copy its confdir from itself`);
  return from.name;
}

export const ktsConfdirCopy: Action = {
  name: 'confdir.copy',
  description: 'Copy the Key Trustee configuration directory from the other server of the pair, without .ssl and *.pid, and create the logs directory for the service account',
  destructive: true,
  args: {
    from: { type: 'string', required: true, description: 'active or passive: the server to copy from' },
    only_if_missing: { type: 'boolean', default: false, description: 'leave an existing confdir alone' },
  },
  plan(ctx) {
    const from = source(ctx);
    const s = steps(ctx, from);
    return [
      ...plannedSteps(ctx.host.name, s.probe ? [s.probe] : []),
      ...plannedSteps(ctx.host.name, [s.pack]),
      { host: 'controller', command: `sftp get ${from}:${STAGE}, put ${ctx.host.name}:${STAGE}; rm it on ${from}` },
      ...plannedSteps(ctx.host.name, s.unpack),
    ];
  },
  async run(ctx) {
    const from = source(ctx);
    const s = steps(ctx, from);
    if (ctx.check) return { changed: false };
    if (s.probe && (await sh(await ctx.connect(), ctx, s.probe.command, s.probe.what)).stdout.trim() === 'present') {
      return { changed: false, summary: `${ctx.host.name}: has its configuration directory; left as it is` };
    }
    await runSteps(ctx, [s.pack]);
    const local = path.join(ctx.runDir, `kts-confdir-${ctx.host.name}.tar`);
    const src = await ctx.connect(from);
    try {
      await src.get(STAGE, local, { signal: ctx.signal });
    } finally {
      await src.exec(`rm -f ${STAGE}`, { timeoutMs: 30_000 }).catch(() => undefined);
    }
    try {
      await (await ctx.connect()).put(local, STAGE, { mode: 0o600, signal: ctx.signal });
    } finally {
      await rm(local, { force: true });
    }
    await runSteps(ctx, s.unpack);
    return { changed: true, summary: `${ctx.host.name}: confdir from ${from} (without .ssl and *.pid), logs directory ready` };
  },
};
