import type { Action, ActionContext } from '../../../../actions/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { instanceName } from '../host-vars.ts';
import { ldapSearch, searchCommand } from '../ldap.ts';
import { resolveSuffixes, SUFFIXES_ARG } from '../replication/suffix-args.ts';
import { compareDigests, digestEntries, type DigestDiff } from './entry-digest.ts';
import { hostsHolding } from './suffix-hosts.ts';
import { fencedHosts } from '../replication/fenced.ts';
import { listAgreements, listAgreementsCommand } from '../replication/agreements.ts';

/**
 * Compares the hosts entry by entry (DN + a hash of the chosen attributes), each host read
 * directly, against the host the step runs on. Differences fail the step unless `fail: false`.
 */

function attributes(ctx: ActionContext): string[] {
  const a = ctx.args.attributes;
  if (Array.isArray(a) && a.length) return a.map(String);
  return ['*'];
}

export const verifyEntries: Action = {
  name: 'verify.entries',
  readOnly: true,
  description: 'Compare every entry of each suffix across hosts (DN + hash of attributes) and report differences',
  args: {
    suffixes: SUFFIXES_ARG,
    hosts: { type: 'any', default: 'all', description: 'Hosts to compare with this one (`all` or a list)' },
    attributes: { type: 'string[]', default: ['*'], description: 'Attributes hashed per entry (default: every user attribute)' },
    fail: { type: 'boolean', default: true, description: 'Fail the step when the hosts differ' },
    show: { type: 'number', default: 10, description: 'How many differing DNs to name per kind' },
  },
  plan(ctx) {
    return resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars).flatMap((suffix) =>
      hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars).flatMap((h) => [
        { host: h.name, command: listAgreementsCommand(instanceName(ctx.inventory, h)), note: `on ${h.name}, read-only: attributes fractional agreements leave out are not compared` },
        { host: h.name, command: searchCommand(instanceName(ctx.inventory, h), suffix, 'sub', '(objectClass=*)', attributes(ctx)), note: `on ${h.name}, read-only` },
      ]),
    );
  },
  async run(ctx) {
    const show = Number(ctx.args.show ?? 10);
    const report: { suffix: string; reference: string; entries: number; diffs: DigestDiff[] }[] = [];
    for (const suffix of resolveSuffixes(ctx.inventory, ctx.host, ctx.args.suffixes, ctx.vars)) {
      const hosts = hostsHolding(ctx.inventory, ctx.args.hosts, suffix, fencedHosts(ctx), ctx.vars);
      // Fractional replication: what any agreement of the suffix leaves out differs by design.
      const excluded = (
        await Promise.all(hosts.map(async (h) => listAgreements(await ctx.connect(h.name), ctx.inventory, h.name, instanceName(ctx.inventory, h), [suffix], { signal: ctx.signal })))
      ).flat().flatMap((a) => a.excluded ?? []);
      const digests = await Promise.all(
        hosts.map(async (h) => ({
          host: h.name,
          digest: digestEntries(await ldapSearch(await ctx.connect(h.name), instanceName(ctx.inventory, h), suffix, 'sub', '(objectClass=*)', attributes(ctx), { signal: ctx.signal }), excluded),
        })),
      );
      const ref = digests.find((d) => d.host === ctx.host.name) ?? digests[0];
      if (!ref) continue;
      const diffs = digests
        .filter((d) => d !== ref)
        .map((d) => compareDigests(ref.digest, d.digest, d.host))
        .filter((d) => d.missing.length + d.extra.length + d.different.length > 0);
      report.push({ suffix, reference: ref.host, entries: ref.digest.size, diffs });
    }
    const lines = report.flatMap((r) =>
      r.diffs.map(
        (d) =>
          `${d.host} vs ${r.reference} (${r.suffix}): ${d.missing.length} missing, ${d.extra.length} extra, ${d.different.length} different` +
          [['missing', d.missing], ['extra', d.extra], ['different', d.different]]
            .filter(([, l]) => (l as string[]).length)
            .map(([k, l]) => `; ${k}: ${(l as string[]).slice(0, show).join(' | ')}`)
            .join(''),
      ),
    );
    if (lines.length && ctx.args.fail !== false) throw new ActionError(`hosts differ:\n${lines.join('\n')}`);
    return {
      changed: false,
      summary: lines.length ? `${lines.length} host/suffix pair(s) differ` : `identical: ${report.map((r) => `${r.suffix} (${r.entries} entries)`).join(', ')}`,
      output: { suffixes: report },
    };
  },
};
