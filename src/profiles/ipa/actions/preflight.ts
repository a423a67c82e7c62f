import { FENCED_RESULT, isFenced } from '../../389ds/actions/replication/fenced.ts';
import type { Action } from '../../../actions/types.ts';
import { IPA_TOOLS } from '../commands.ts';
import { IPA_FACTS_COMMAND, ipaFacts } from '../host-facts.ts';

/**
 * First step of every ipa playbook, on every host it touches: refuses a host without FreeIPA's
 * tools ("profile ipa: ipa-restore not found on ds1") before anything anywhere changes.
 */
export const ipaPreflight: Action = {
  name: 'ipa.preflight',
  readOnly: true,
  description: `Check that this host is a FreeIPA server: ${IPA_TOOLS.join(', ')} present; read its FQDN, IPA version and whether IPA is configured`,
  args: {},
  plan(ctx) {
    return [{ host: ctx.host.name, command: IPA_FACTS_COMMAND, note: 'read only: FQDN, IPA version, /etc/ipa/default.conf, tool paths' }];
  },
  async run(ctx) {
    // A server replication.fence accepted as stopped is left alone, as the directory-level steps do.
    if (isFenced(ctx)) return FENCED_RESULT;
    const f = await ipaFacts(await ctx.connect(), ctx);
    return { changed: false, summary: `${f.fqdn}: IPA ${f.ipaVersion || 'version unknown'}${f.configured ? '' : ', not configured'}`, output: f };
  },
};
