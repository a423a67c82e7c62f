import type { Action, ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { serverFacts, normDn } from '../backup/facts.ts';
import { ldifDir, offlineCommand } from '../backup/commands.ts';
import { sh } from '../backup/host-steps.ts';
import { instanceName } from '../host-vars.ts';
import { shq } from '../ldap.ts';
import { readRuv } from '../verify/ruv.ts';
import { fencedHosts } from './fenced.ts';
import { resolveSuffixes, SUFFIXES_ARG } from './suffix-args.ts';

/**
 * Gives the restored master a NEW replica generation: its data is exported without replication
 * state (db2ldif without --replication) and imported again (ldif2db), which starts a new database
 * generation. Every host re-initialized from the master then carries the new generation, and
 * 389-ds refuses to replicate between different generations ("different database generation
 * ID") until a re-initialization. So a fenced supplier that comes back with its old disk cannot
 * replay the changes made after the backup into the restored topology: its sessions are
 * refused until `rejoin` re-initializes it. A plain bak2db keeps the old generation, and a stale
 * supplier's newer CSNs would be accepted.
 */

function exportPath(instance: string, backend: string): string {
  return `${ldifDir(instance)}/lifeboat-new-generation-${backend}.ldif`;
}

/** db2ldif without --replication, then ldif2db of that file, for every backend, server stopped once. */
export function newGenerationCommand(instance: string, backends: string[]): string {
  const i = shq(instance);
  const steps = backends.flatMap((b) => [
    `dsctl ${i} db2ldif ${shq(b)} ${shq(exportPath(instance, b))}`,
    `dsctl ${i} ldif2db ${shq(b)} ${shq(exportPath(instance, b))}`,
  ]);
  const cleanup = backends.map((b) => shq(exportPath(instance, b))).join(' ');
  return `${offlineCommand(instance, steps)}; rc=$?; rm -f ${cleanup}; exit $rc`;
}

function wanted(ctx: ActionContext): boolean {
  return ctx.args.when_fenced === false || fencedHosts(ctx).length > 0;
}

export const replicationNewGeneration: Action = {
  name: 'replication.new-generation',
  description: 'Give this (restored) host a new replica generation (export without replication state, import), so a stale supplier cannot replay into the topology re-initialized from it',
  destructive: true,
  args: {
    suffixes: SUFFIXES_ARG,
    when_fenced: { type: 'boolean', default: true, description: 'Only when the run fenced a host (a supplier that may come back stale); false: always' },
  },
  plan(ctx): PlannedCommand[] {
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    return [
      { host: ctx.host.name, command: 'ldapsearch (LDAPI): backend of each suffix, RUV generation', note: 'read-only' },
      {
        host: ctx.host.name,
        command: newGenerationCommand(inst, suffixes.map((s) => `<backend of ${s}>`)),
        note: ctx.args.when_fenced === false ? 'always' : 'only when the run fenced a host (fact fenced); otherwise nothing runs',
      },
    ];
  },
  async run(ctx) {
    if (!wanted(ctx)) return { changed: false, summary: 'no host fenced: the generation is kept' };
    const inst = instanceName(ctx.inventory, ctx.host);
    const suffixes = resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars);
    const remote = await ctx.connect();
    const facts = await serverFacts(remote, inst, ctx.signal);
    const backends = suffixes.map((s) => {
      const b = facts.backends[normDn(s)];
      if (!b) throw new ActionError(`${ctx.host.name}: no backend holds ${s}`);
      return b;
    });
    const before = Object.fromEntries(await Promise.all(suffixes.map(async (s) => [s, (await readRuv(remote, inst, s, ctx.signal)).generation] as const)));
    if (ctx.check) return { changed: false, summary: `check mode: would renew the generation of ${suffixes.join(', ')}` };
    await sh(remote, ctx, newGenerationCommand(inst, backends), 'export without replication state and re-import');
    // The RUV tombstone (and its generation) appears with the first replicated change or when
    // the replica is read again; the re-inits that follow carry it to every peer.
    const after = Object.fromEntries(await Promise.all(suffixes.map(async (s) => [s, (await readRuv(remote, inst, s, ctx.signal)).generation] as const)));
    const same = suffixes.filter((s) => before[s] && after[s] === before[s]);
    if (same.length) throw new ActionError(`${ctx.host.name}: the replica generation of ${same.join(', ')} did not change (${same.map((s) => before[s]).join(', ')})`);
    return {
      changed: true,
      summary: `new replica generation for ${suffixes.map((s) => `${s} (${after[s] ?? 'assigned at the first re-init'})`).join(', ')}; fenced ${fencedHosts(ctx).join(', ') || 'none'} can no longer replay into the topology until rejoined`,
      output: { before, after },
    };
  },
};
