import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { caSurvivors } from '../../../src/profiles/389ds/actions/replication/ca-survivors.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { loadProfiles, actionFor } from '../../../src/profiles/registry.ts';
import { ipaCaRenewalMaster } from '../../../src/profiles/ipa/actions/renewal-master.ts';
import { ipaServersDiscover } from '../../../src/profiles/ipa/actions/servers-discover.ts';
import { ipaServiceStatus, ipaServiceStop } from '../../../src/profiles/ipa/actions/service.ts';
import { IPA_FACTS_COMMAND } from '../../../src/profiles/ipa/host-facts.ts';
import { fakeContext } from '../backup/fake-context.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';

// The registry's lookups need the profiles' code loaded (the run loader does this for a run).
beforeAll(loadProfiles);

const SECRET = 'Dm-Secret-4-tests';
const B = 'cn=masters,cn=ipa,cn=etc,dc=example,dc=com';
const FACTS = ['fqdn\tipa3.dc2.example.com', 'ipa_version\t4.9.8', 'configured\tyes', ...['ipactl', 'ipa-backup', 'ipa-restore', 'ipa-replica-manage', 'ipa-csreplica-manage'].map((t) => `${t}\t/usr/sbin/${t}`), ''].join('\n');

/** cn=masters as ldapsearch prints it, the renewal master's cn=CA carrying caRenewalMaster. */
function masters(renewal: string): string {
  const hosts = ['ipa1.dc1.example.com', 'ipa2.dc1.example.com', 'ipa3.dc2.example.com', 'ipa4.dc2.example.com'];
  const roles: Record<string, string[]> = { 'ipa1.dc1.example.com': ['CA', 'KRA', 'DNS'], 'ipa2.dc1.example.com': ['CA', 'DNS'], 'ipa3.dc2.example.com': ['CA', 'KRA', 'DNS'], 'ipa4.dc2.example.com': ['CA', 'KRA', 'DNS'] };
  return hosts
    .flatMap((h) => [
      `dn: cn=${h},${B}\ncn: ${h}\n`,
      ...roles[h]!.map((s) => `dn: cn=${s},cn=${h},${B}\ncn: ${s}\nipaConfigString: ${h.startsWith('ipa4') ? 'hiddenService' : 'enabledService'}${s === 'CA' && h === renewal ? '\nipaConfigString: caRenewalMaster' : ''}\n`),
    ])
    .join('\n');
}

let inv: Inventory;
beforeAll(async () => {
  inv = await loadInventory(path.join(fileURLToPath(new URL('../../../', import.meta.url)), 'inventories/example-ipa.yaml'));
});

const ldapAnswer = (renewal: string) => (c: string) =>
  c === IPA_FACTS_COMMAND ? { stdout: FACTS } : c.startsWith('ldapsearch') && c.includes("-b 'cn=masters") ? { stdout: masters(renewal) } : c.startsWith('ldapsearch') ? { code: 32 } : undefined;

describe('the CA renewal master', () => {
  it('moves to the surviving CA server when the lost one held it, the password on stdin', async () => {
    const h = scriptedHost('ipa3', ldapAnswer('ipa1.dc1.example.com'));
    const ctx = fakeContext({ inv, host: 'ipa3', args: { lost: 'ipa1', to: 'ipa3' }, remote: h.remote, secrets: { dm_password: SECRET } });
    const planned = await ipaCaRenewalMaster.plan(ctx);
    const r = await ipaCaRenewalMaster.run(ctx);
    expect(r).toMatchObject({ changed: true, facts: { ca_renewal_master: 'ipa3' } });
    expect(h.execs.at(-1)).toEqual({ command: 'ipa-csreplica-manage set-renewal-master ipa3.dc2.example.com', stdin: `${SECRET}\n` });
    expect(h.execs.map((e) => e.command)).toEqual(planned.map((c) => c.command));
  });

  it('stays where it is when the lost server did not hold it', async () => {
    const h = scriptedHost('ipa3', ldapAnswer('ipa1.dc1.example.com'));
    const ctx = fakeContext({ inv, host: 'ipa3', args: { lost: 'ipa2', to: 'ipa3' }, remote: h.remote, secrets: { dm_password: SECRET } });
    const planned = await ipaCaRenewalMaster.plan(ctx);
    const r = await ipaCaRenewalMaster.run(ctx);
    expect(r.changed).toBe(false);
    expect(h.execs.map((e) => e.command)).toEqual(planned.map((c) => c.command));
    expect(h.execs.some((e) => e.command.startsWith('ipa-csreplica-manage'))).toBe(false);
  });

  it('refuses when IdM and the inventory disagree on who holds it (the plan would not be what runs)', async () => {
    const h = scriptedHost('ipa3', ldapAnswer('ipa2.dc1.example.com'));
    await expect(ipaCaRenewalMaster.run(fakeContext({ inv, host: 'ipa3', args: { lost: 'ipa1', to: 'ipa3' }, remote: h.remote, secrets: { dm_password: SECRET } }))).rejects.toThrow(
      'IdM says the CA renewal master is ipa2, the inventory says ipa1 (role renewal): fix the inventory and plan again',
    );
    expect(h.execs.some((e) => e.command.startsWith('ipa-csreplica-manage'))).toBe(false);
  });

  it('refuses a target without the CA', () => {
    expect(() => ipaCaRenewalMaster.plan(fakeContext({ inv, host: 'ipa3', args: { lost: 'ipa1', to: 'ipa3' } }))).not.toThrow();
    const noCa = { ...inv, hosts: inv.hosts.map((x) => (x.name === 'ipa3' ? { ...x, roles: ['dns'] } : x)) };
    expect(() => ipaCaRenewalMaster.plan(fakeContext({ inv: noCa, host: 'ipa3', args: { lost: 'ipa1', to: 'ipa3' } }))).toThrow('ipa3 has no ca role and cannot renew CA certificates');
  });
});

describe('ca-replica-rebuild refuses when no CA server survives (the 389ds ca.survivors, served to profile ipa by the registry)', () => {
  it('is the very 389ds object under profile ipa', () => {
    expect(actionFor('ipa', 'ca.survivors')?.run).toBe(caSurvivors.run);
  });

  it('every other CA server unreachable: refused with the seed\'s words', async () => {
    const ctx: ActionContext = { ...fakeContext({ inv, host: 'ipa1', args: { lost: 'ipa1', from: 'auto', connect_timeout_s: 1 } }), connect: async () => Promise.reject(new Error('unreachable')) };
    await expect(caSurvivors.run(ctx)).rejects.toThrow(/no CA host survives.*"If only one server provides CA services and it is damaged, the entire environment will be lost\."/);
  });
});

describe('ipa.servers.discover', () => {
  it('facts from IdM itself; the renewal master by its inventory name', async () => {
    const h = scriptedHost('ipa1', ldapAnswer('ipa1.dc1.example.com'));
    const r = await ipaServersDiscover.run(fakeContext({ inv, host: 'ipa1', args: {}, remote: h.remote }));
    expect(r.facts).toMatchObject({ ca_renewal_master: 'ipa1', ipa_segments: [] });
    expect((r.facts!.ipa_servers as { fqdn: string }[]).map((s) => s.fqdn)).toEqual(['ipa1.dc1.example.com', 'ipa2.dc1.example.com', 'ipa3.dc2.example.com', 'ipa4.dc2.example.com']);
  });

  it('a plain 389-ds server (no cn=masters): not an IdM server', async () => {
    const h = scriptedHost('ipa1', (c) => (c.startsWith('ldapsearch') ? { code: 32 } : undefined));
    await expect(ipaServersDiscover.run(fakeContext({ inv, host: 'ipa1', args: {}, remote: h.remote }))).rejects.toThrow(/no cn=masters,cn=ipa,cn=etc,dc=example,dc=com in its directory: not an IdM server/);
  });
});

describe('ipactl', () => {
  it('stop runs ipactl stop and leaves ipactl start as its undo', async () => {
    const h = scriptedHost('ipa1', (c) => (c === IPA_FACTS_COMMAND ? { stdout: FACTS } : undefined));
    const r = await ipaServiceStop.run(fakeContext({ inv, host: 'ipa1', args: {}, remote: h.remote }));
    expect(h.execs.map((e) => e.command)).toEqual([IPA_FACTS_COMMAND, 'ipactl stop']);
    expect(r.undo).toEqual({ do: 'ipa.service.start', with: {} });
  });

  it('status fails when a service is down, with ipactl\'s own lines', async () => {
    const h = scriptedHost('ipa1', (c) =>
      c === IPA_FACTS_COMMAND ? { stdout: FACTS } : c === 'ipactl status' ? { code: 3, stdout: 'Directory Service: RUNNING\nkrb5kdc Service: STOPPED\nipa: INFO: The ipactl command was successful\n' } : undefined,
    );
    await expect(ipaServiceStatus.run(fakeContext({ inv, host: 'ipa1', args: {}, remote: h.remote }))).rejects.toThrow(/ipa1: ipactl status failed \(exit 3\): .*krb5kdc Service: STOPPED/);
  });
});

describe('the CRL generation master (ipa-crlgen-manage)', () => {
  const status = (on: boolean) => ({ stdout: `CRL generation: ${on ? 'enabled' : 'disabled'}\n` });
  /** Surviving CA servers ipa2, ipa3, ipa4 (ipa1 lost), answering status as given; the run is on ipa3. */
  function servers(enabled: string[], garbled = '') {
    const hosts = Object.fromEntries(['ipa2', 'ipa3', 'ipa4'].map((n) => [n, scriptedHost(n, (c) => (c === 'ipa-crlgen-manage status' ? (n === garbled ? { stdout: 'no idea\n' } : status(enabled.includes(n))) : undefined))]));
    const base = fakeContext({ inv, host: 'ipa3', args: { lost: 'ipa1', to: 'ipa3' }, remote: hosts.ipa3!.remote });
    const ctx = { ...base, connect: async (name?: string) => hosts[name ?? 'ipa3']!.remote };
    return { hosts, ctx, events: base.events };
  }

  it('makes the new renewal master generate the CRL when no surviving CA server does (the lost one did)', async () => {
    const { hosts, ctx } = servers([]);
    const r = await actionFor('ipa', 'ipa.ca.crl-master')!.run(ctx);
    expect(r).toMatchObject({ changed: true, summary: 'no surviving CA server generated the CRL: ipa3 generates it now' });
    expect(hosts.ipa3!.execs.map((e) => e.command)).toEqual(['ipa-crlgen-manage status', 'ipa-crlgen-manage enable']);
    expect(hosts.ipa2!.execs.map((e) => e.command)).toEqual(['ipa-crlgen-manage status']);
  });

  it('changes nothing when a survivor generates it; warns when more than one does; refuses an answer it cannot read', async () => {
    const one = servers(['ipa4']);
    expect(await actionFor('ipa', 'ipa.ca.crl-master')!.run(one.ctx)).toMatchObject({ changed: false, summary: 'the CRL is generated by ipa4, which survives: no change' });
    expect(Object.values(one.hosts).flatMap((h) => h.execs.map((e) => e.command))).not.toContain('ipa-crlgen-manage enable');
    const two = servers(['ipa2', 'ipa4']);
    expect((await actionFor('ipa', 'ipa.ca.crl-master')!.run(two.ctx)).changed).toBe(false);
    expect(two.events.filter((e) => e.kind === 'warning').map((e) => e.message)).toEqual(['ipa2 and ipa4 all generate the CRL; IdM wants one: run ipa-crlgen-manage disable on all but one']);
    const garbled = servers([], 'ipa2');
    await expect(actionFor('ipa', 'ipa.ca.crl-master')!.run(garbled.ctx)).rejects.toThrow('ipa2: ipa-crlgen-manage status printed no "CRL generation: enabled|disabled" line');
    expect(garbled.hosts.ipa3!.execs.map((e) => e.command)).not.toContain('ipa-crlgen-manage enable');
  });
});
