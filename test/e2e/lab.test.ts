import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHosts } from '../../src/cli/inventory-check.ts';
import { labCut, labDown, labKill, labLeftovers, labPaths, labUncut, readState } from '../../src/lab/index.ts';
import { labStatus } from '../../src/profiles/389ds/lab/status.ts';
import { SshPool } from '../../src/transport/index.ts';
import { e2eLabName, labSkipReason, within, withLab, type LabFixture } from './lab-fixture.ts';

const LAB = e2eLabName('e2elab');
const skip = labSkipReason();
if (skip) console.warn(`skipping lab e2e tests: ${skip}`);

function userLdif(uid: string): string {
  return `dn: uid=${uid},ou=people,dc=lab,dc=test\nchangetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: e2e\n`;
}

describe.skipIf(skip !== undefined)('lifeboat lab (4 real 389-ds hosts)', () => {
  let lab: LabFixture;
  const hosts = ['ds1', 'ds2', 'ds3', 'ds4'];

  beforeAll(async () => {
    lab = await withLab({ name: LAB, hosts: 4, entries: 200, fresh: true });
    console.log(`lab up phases (ms): ${JSON.stringify(lab.phases)}`);
  });

  afterAll(async () => {
    // Whatever happened above, leave nothing behind.
    await lab?.close();
    await labDown(LAB);
  });

  it('seeds the entries on every host and gives ds1, ds2 the CA role and the last host hidden (with the CA too)', async () => {
    for (const h of hosts) {
      const people = await lab.search(h, 'ou=people,dc=lab,dc=test', 'one', '(uid=user*)', ['1.1']);
      expect(people, h).toHaveLength(200);
    }
    expect(lab.inventory.hosts.map((h) => h.roles)).toEqual([['ca'], ['ca'], [], ['ca', 'hidden']]);
  });

  it('a write on each host is read on every other host within 5 s', async () => {
    const stamp = Date.now();
    for (const writer of hosts) {
      const uid = `e2e-${writer}-${stamp}`;
      await lab.modify(writer, userLdif(uid));
      for (const reader of hosts.filter((r) => r !== writer)) {
        const took = await within(5000, async () => (await lab.search(reader, `uid=${uid},ou=people,dc=lab,dc=test`)).length === 1);
        expect(took, `${uid} written on ${writer}, read on ${reader}`).toBeDefined();
      }
    }
  });

  it('o=ipaca exists only on the CA hosts and replicates between them', async () => {
    expect(await lab.search('ds1', 'o=ipaca')).toHaveLength(1);
    expect(await lab.search('ds2', 'o=ipaca')).toHaveLength(1);
    expect(await lab.search('ds3', 'o=ipaca')).toHaveLength(0);
    expect(await lab.search('ds4', 'o=ipaca')).toHaveLength(1);
    const mark = `ca-${Date.now()}`;
    await lab.modify('ds2', `dn: o=ipaca\nchangetype: modify\nreplace: description\ndescription: ${mark}\n`);
    for (const reader of ['ds1', 'ds4']) {
      const took = await within(5000, async () => (await lab.search(reader, 'o=ipaca', 'base', '(objectClass=*)', ['description']))[0]?.attrs.description?.[0] === mark);
      expect(took, `o=ipaca change on ds2 seen on ${reader}`).toBeDefined();
    }
    // No agreement carries o=ipaca to a non-CA host.
    const status = await labStatus(LAB);
    for (const h of status.hosts) {
      for (const a of h.agreements.filter((x) => x.suffix === 'o=ipaca')) expect(['ds1', 'ds2', 'ds4']).toContain(a.peer);
    }
  });

  it('lab cut ds4 makes ds4 unreachable to inventory check; lab uncut brings it back', async () => {
    await labCut(LAB, 'ds4');
    const cutPool = new SshPool(lab.inventory, { sshConfigPath: null });
    const rows = await checkHosts(lab.inventory, cutPool).finally(() => cutPool.closeAll());
    expect(rows.find((r) => r.host === 'ds4')?.reachable).toBe(false);
    expect(rows.filter((r) => r.host !== 'ds4').every((r) => r.reachable && !r.error)).toBe(true);
    // Its processes keep running while it is cut off.
    expect((await labStatus(LAB, { agreements: false })).hosts.find((h) => h.name === 'ds4')?.processes.some((p) => p.command.includes('ns-slapd'))).toBe(true);

    await labUncut(LAB, 'ds4');
    const backPool = new SshPool(lab.inventory, { sshConfigPath: null });
    const again = await checkHosts(lab.inventory, backPool).finally(() => backPool.closeAll());
    expect(again.every((r) => r.reachable && !r.error), JSON.stringify(again)).toBe(true);
  });

  it('lab kill ds3 stops all of its processes and leaves it without data', async () => {
    const before = (await labStatus(LAB, { agreements: false })).hosts.find((h) => h.name === 'ds3')!;
    expect(before.processes.length).toBeGreaterThan(1);
    await labKill(LAB, 'ds3');
    const after = (await labStatus(LAB, { agreements: false })).hosts.find((h) => h.name === 'ds3')!;
    expect(after.running).toBe(false);
    expect(after.processes).toEqual([]);
    for (const p of before.processes) expect(existsSync(`/proc/${p.pid}`), `pid ${p.pid}`).toBe(false);
    expect(existsSync(`${labPaths(LAB).host('ds3')}/var-lib-dirsrv`)).toBe(false);
    expect(existsSync(`${labPaths(LAB).host('ds3')}/etc-dirsrv`)).toBe(false);
    // The other hosts go on serving.
    expect(await lab.search('ds1', 'dc=lab,dc=test')).toHaveLength(1);
  });

  it('lab down leaves no namespace, process, bridge, link or file behind, and is safe twice', async () => {
    const status = await labStatus(LAB, { agreements: false });
    const pids = status.hosts.flatMap((h) => h.processes.map((p) => p.pid));
    const state = await readState(LAB);
    const unsharePids = (state?.hosts ?? []).flatMap((h) => (h.unsharePid ? [h.unsharePid] : []));
    expect(pids.length).toBeGreaterThan(0);
    await lab.close();
    expect(await labDown(LAB)).toBe(true);
    expect(await labDown(LAB)).toBe(false);
    expect(await labLeftovers(LAB, { pids: [...pids, ...unsharePids], files: [lab.inventoryFile] })).toEqual([]);
  });
});
