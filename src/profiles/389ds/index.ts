import { actions389ds } from './actions/index.ts';
import { archiveLayout389ds } from './actions/backup/archive-layout.ts';
import { info389ds } from './info.ts';
import type { ProfileCode, ProfileLabOptions } from '../types.ts';

/**
 * Profile `389ds`: real 389 Directory Servers. Its actions live in ./actions/, its playbooks in
 * playbooks/389ds/. The lab loads lazily.
 */
export const profile389ds: ProfileCode = {
  actions: actions389ds,
  backupArchive: archiveLayout389ds,
  lab: {
    async up(o: ProfileLabOptions) {
      const { labUp } = await import('./lab/up.ts');
      // No per-host progress lines: the phase lines are what a 389-ds lab prints.
      return labUp({ name: o.name, hosts: o.hosts, entries: o.entries, topology: o.topology as never, out: o.out, recreate: o.recreate, ca: o.ca as never, instance: o.instance, suffix: o.suffix, onPhase: o.onPhase });
    },
    async status(lab) {
      const { labStatus } = await import('./lab/status.ts');
      return labStatus(lab);
    },
    async powerOn(lab, host) {
      const { labPowerOn } = await import('./lab/power.ts');
      return labPowerOn(lab, host);
    },
    banner: (o) => `lab ${o.name}: ${o.hosts} hosts, ${o.topology}, ${o.instance ? `slapd-${o.instance}, ` : ''}${o.suffix ? `${o.suffix}, ` : ''}${o.entries} entries`,
  },
  rehearsals: {
    names: [...(info389ds.rehearsalNames ?? [])],
    async run(o) {
      const { rehearse } = await import('./rehearse/rehearse.ts');
      const { report, files } = await rehearse({ lab: o.lab, scenario: o.scenario, hosts: o.hosts, entries: o.entries, keep: o.keep, stateDir: o.stateDir, onEvent: o.onEvent, log: o.log });
      return { ok: report.ok, checks: report.checks, files };
    },
  },
};
