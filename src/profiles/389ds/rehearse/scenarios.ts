import { checks389 } from './scenario-checks.ts';
import { applyDamage, isRestored, planDamage, readDamage, waitForDamageEverywhere, type DamagePlan } from './data-loss-damage.ts';
import type { LabSession } from './lab-session.ts';
import { check, type Check } from '../../../rehearse/checks.ts';

/**
 * One rehearsal scenario: which playbook it runs, how it breaks the lab after the backup, the
 * params it gives the playbook, and how it proves the recovery worked.
 */
export interface Scenario {
  name: string;
  playbook: string;
  minHosts: number;
  description: string;
  /** The host the backup is taken on. */
  backupHost(s: LabSession): string;
  /** Breaks the lab; returns what the checks need to know. */
  breakLab(s: LabSession, ctl: LabControl, tag: string): Promise<unknown>;
  params(s: LabSession, backupDir: string): Record<string, string>;
  verify(s: LabSession, broken: unknown, tag: string): Promise<Check[]>;
}

/** What scenarios may do to the lab beyond talking LDAP to it. */
export interface LabControl {
  kill(host: string): Promise<void>;
  /** Brings back an empty host under the same name (new disk, new SSH host key). */
  replace(host: string): Promise<void>;
}

const dataLoss: Scenario = {
  name: 'data-loss',
  playbook: 'data-loss',
  minHosts: 2,
  description: 'entries added on two hosts, one deleted, one attribute modified after the backup; restore ds2 and re-initialize the rest',
  backupHost: (s) => s.hosts[1]!,
  async breakLab(s, _ctl, tag) {
    const plan = planDamage({ suffix: s.suffix, instance: s.instance, hosts: s.hosts, master: s.hosts[1]!, tag });
    await applyDamage(s.connect, plan);
    await waitForDamageEverywhere(s.connect, plan, s.hosts);
    return plan;
  },
  params: (s, backup) => ({ master: s.hosts[1]!, backup }),
  async verify(s, broken, tag) {
    const plan = broken as DamagePlan;
    const out: Check[] = [];
    out.push(
      await check('changes made after the backup are undone on every host', async () => {
        const states = await Promise.all(s.hosts.map((h) => readDamage(s.connect, plan, h)));
        const bad = states.filter((d) => !isRestored(plan, d));
        return {
          ok: bad.length === 0,
          detail: bad.length
            ? bad.map((d) => `${d.host}: added still there ${d.addedPresent.length}, deleted back ${d.deletedPresent}, ${plan.modified.attribute}=${d.modifiedValue}`).join('; ')
            : `${Object.keys(plan.added).length} added entries gone, ${plan.deleted.dn} back, ${plan.modified.attribute} of ${plan.modified.dn} is "${plan.modified.before}" on ${s.hosts.length} hosts`,
        };
      }),
    );
    out.push(...(await checks389(s, [s.suffix], s.hosts, tag)));
    return out;
  },
};

/** Server loss: the host dies with its disk, and an empty machine of the same name replaces it. */
function hostLoss(name: string, playbook: string, lost: (s: LabSession) => string, minHosts: number, description: string, caToo: boolean): Scenario {
  return {
    name,
    playbook,
    minHosts,
    description,
    backupHost: (s) => s.hosts.find((h) => h !== lost(s))!,
    async breakLab(s, ctl) {
      await ctl.kill(lost(s));
      await ctl.replace(lost(s));
      return lost(s);
    },
    params: (s) => ({ lost: lost(s) }),
    async verify(s, _broken, tag) {
      const out = await checks389(s, [s.suffix], s.hosts, tag);
      const ca = s.inventory.vars.ca_suffix;
      if (caToo && typeof ca === 'string') {
        const caHosts = s.inventory.hosts.filter((h) => h.roles.includes('ca')).map((h) => h.name);
        out.push(...(await checks389(s, [ca], caHosts, tag)));
      }
      return out;
    },
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  'data-loss': dataLoss,
  // 4 hosts at least: the lab gives the CA to ds1, ds2 and the last host, and server-loss refuses a CA host.
  'server-loss': hostLoss('server-loss', 'server-loss', (s) => s.hosts[2]!, 4, 'lab kill ds3, then an empty ds3 (new disk, new SSH host key) replaces it', false),
  ca: hostLoss('ca', 'ca-replica-rebuild', (s) => s.hosts[0]!, 2, 'lab kill ds1 (a CA host), then an empty ds1 replaces it', true),
};
SCENARIOS['ca-replica-rebuild'] = SCENARIOS.ca!;

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}


