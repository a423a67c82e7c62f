/** Executor behaviour against real in-process SSH servers: order, concurrency, topology, when, retries, timeouts, validation. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../../src/engine/index.ts';
import { registerActions } from '../../../src/actions/registry.ts';
import type { Action } from '../../../src/actions/types.ts';
import { InputError, InputErrors } from '../../../src/util/errors.ts';
import type { RunEvent } from '../../../src/engine/events.ts';
import { knownHostsLine } from '../../../src/transport/known-hosts-format.ts';
import { generateEd25519 } from '../../helpers/ssh-server.ts';
import { startSlowProxy } from '../../helpers/slow-proxy.ts';
import { count, startCluster, startTimes, type TestCluster } from './cluster.ts';

let c: TestCluster;
beforeAll(async () => {
  // ds1 -> ds2, ds3; ds2 -> ds4: ds4 is two hops from ds1.
  c = await startCluster(4, 'vars:\n  topology: { ds1: [ds2, ds3], ds2: [ds4], ds3: [], ds4: [] }\n');
});
afterAll(async () => c?.close()); // c is unset when beforeAll failed: report that failure once

describe('the hint after a failed run', () => {
  it('says nothing was changed when the run failed before any unit changed a host', async () => {
    const check: Action = {
      name: 'test.readonly-check',
      readOnly: true,
      description: 'a read-only check that fails',
      args: {},
      plan: (ctx) => [{ host: ctx.host.name, command: 'check' }],
      run: async () => {
        throw new Error('ds6 is unreachable');
      },
    };
    registerActions([check]);
    const pb = c.playbook('nochange', `name: nochange
steps:
  - name: check
    on: ds1
    do: test.readonly-check
  - name: change
    on: all
    do: shell
    with: { command: "echo never-nochange" }
`);
    const out = await startRun(c.opts(pb));
    expect(out).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(out.next).toMatch(/^nothing was changed on any host; fix what failed in step 1 "check" on ds1, then run: lifeboat resume /);
    // Once a unit changed something, the hint does not say so.
    const pb2 = c.playbook('somechange', `name: somechange
steps:
  - name: change
    on: ds1
    do: shell
    with: { command: "echo sc-step" }
  - name: check
    on: ds1
    do: test.readonly-check
`);
    const out2 = await startRun(c.opts(pb2));
    expect(out2.next).toMatch(/^fix what failed in step 2 "check" on ds1/);
  });
});

describe('order and concurrency', () => {
  it('runs steps in order, one host at a time at concurrency 1 and all at once at 4', async () => {
    const pb = c.playbook('order', `name: order
steps:
  - name: one by one
    on: all
    concurrency: 1
    do: shell
    with: { command: "sleep 0.15; echo serial-{{ host }}" }
  - name: all together
    on: all
    do: shell
    with: { command: "sleep 0.8; echo parallel-{{ host }}" }
`);
    const out = await startRun(c.opts(pb));
    expect(out).toMatchObject({ status: 'done', exitCode: 0 });
    const serial = c.names.map((h) => startTimes(c, h, 'serial-')[0]!);
    const parallel = c.names.map((h) => startTimes(c, h, 'parallel-')[0]!);
    // Inventory order, each after the previous one finished its 150 ms.
    for (let i = 1; i < serial.length; i++) expect(serial[i]! - serial[i - 1]!).toBeGreaterThanOrEqual(140);
    // Step 2 starts only after step 1 ended everywhere, then on all four hosts together.
    expect(Math.min(...parallel)).toBeGreaterThanOrEqual(serial[3]! + 140);
    // Concurrent: every host started before the first one could have finished its 800 ms.
    expect(Math.max(...parallel) - Math.min(...parallel)).toBeLessThan(800);
    for (const h of c.names) expect(c.commands(h).filter((x) => x.includes(`echo parallel-${h}`))).toHaveLength(1);
  });

  it('walks order: topology breadth-first: a host starts after its parent, branches run together', async () => {
    const pb = c.playbook('topo', `name: topo
params:
  master: { default: ds1 }
steps:
  - name: reinit
    on: "all:!{{ master }}"
    order: topology
    from: "{{ master }}"
    do: shell
    with: { command: "sleep 0.8; echo topo-{{ host }}-from-{{ parent }}" }
`);
    const out = await startRun(c.opts(pb));
    expect(out.status).toBe('done');
    expect(count(c, 'ds1', 'topo-')).toBe(0);
    expect(count(c, 'ds2', 'topo-ds2-from-ds1')).toBe(1);
    expect(count(c, 'ds3', 'topo-ds3-from-ds1')).toBe(1);
    expect(count(c, 'ds4', 'topo-ds4-from-ds2')).toBe(1);
    const [t2, t3, t4] = ['ds2', 'ds3', 'ds4'].map((h) => startTimes(c, h, 'topo-')[0]!);
    expect(Math.abs(t2! - t3!)).toBeLessThan(800); // independent branches overlap
    expect(t4! - t2!).toBeGreaterThanOrEqual(790); // after its parent finished
  });
});

describe('facts', () => {
  it('a topology fact set by an action result replaces the inventory graph for later topology steps', async () => {
    // Stands in for topology.discover: reports ds1 -> ds3 -> (ds2, ds4).
    const discover: Action = {
      name: 'test.discover',
      description: 'test only',
      args: {},
      plan: () => [],
      run: async () => ({ changed: false, facts: { topology: { ds1: ['ds3'], ds3: ['ds2', 'ds4'], ds2: [], ds4: [] } } }),
    };
    registerActions([discover]);
    const pb = c.playbook('facts', `name: facts
steps:
  - name: discover
    on: ds1
    do: test.discover
  - name: reinit
    on: "all:!ds1"
    order: topology
    from: ds1
    do: shell
    with: { command: "sleep 0.3; echo fact-{{ host }}-from-{{ parent }}" }
`);
    const out = await startRun(c.opts(pb));
    expect(out.status).toBe('done');
    expect(['ds2', 'ds3', 'ds4'].map((h) => count(c, h, `fact-${h}-from-${h === 'ds3' ? 'ds1' : 'ds3'}`))).toEqual([1, 1, 1]);
    const [t2, t3, t4] = ['ds2', 'ds3', 'ds4'].map((h) => startTimes(c, h, 'fact-')[0]!);
    expect(t2! - t3!).toBeGreaterThanOrEqual(290);
    expect(t4! - t3!).toBeGreaterThanOrEqual(290);
  });
});

describe('when, retries, timeouts', () => {
  it('on_error: continue keeps going past a failed host', async () => {
    const pb = c.playbook('continue', `name: continue
steps:
  - name: fails on ds1
    on: all
    on_error: continue
    do: shell
    with: { command: "echo cont-a; test {{ host }} != ds1" }
  - name: still runs
    on: all
    do: shell
    with: { command: "echo cont-b" }
`);
    const out = await startRun(c.opts(pb));
    expect(out.status).toBe('done');
    expect(c.names.map((h) => count(c, h, 'cont-b'))).toEqual([1, 1, 1, 1]);
  });

  it('skips hosts where `when` is false and retries until the command succeeds', async () => {
    const pb = c.playbook('retry', `name: retry
steps:
  - name: flaky
    on: all
    when: "host == 'ds2'"
    retries: 3
    delay: 50ms
    do: shell
    with: { command: "n=$(cat flaky-count 2>/dev/null || echo 0); n=$((n+1)); echo $n > flaky-count; echo flaky-try; [ $n -ge 3 ]" }
`);
    const o = c.opts(pb);
    const out = await startRun(o);
    expect(out.status).toBe('done');
    expect(count(c, 'ds2', 'flaky-try')).toBe(3);
    for (const h of ['ds1', 'ds3', 'ds4']) expect(count(c, h, 'flaky-try')).toBe(0);
    const skipped = o.events.filter((e) => e.type === 'host.done' && e.status === 'skipped').map((e) => (e as { host: string }).host);
    expect(skipped.sort()).toEqual(['ds1', 'ds3', 'ds4']);
  });

  it('stops a hanging command at the step timeout and fails the run', async () => {
    const pb = c.playbook('hang', `name: hang
steps:
  - name: hang
    on: ds1
    timeout: 500ms
    do: shell
    with: { command: "sleep 60; echo hang-never" }
  - name: after
    on: ds1
    do: shell
    with: { command: "echo after-hang" }
`);
    const t0 = Date.now();
    const out = await startRun(c.opts(pb));
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(out).toMatchObject({ status: 'failed', exitCode: 1, failed: { step: 0, host: 'ds1' } });
    expect(out.failed!.error).toMatch(/timed out/);
    expect(count(c, 'ds1', 'after-hang')).toBe(0);
  });
});

describe('validation before anything connects', () => {
  it('rejects an unknown action and a bad --limit with exit-2 errors and writes no run dir', async () => {
    const before = c.names.map((h) => c.commands(h).length);
    const stateDir = join(c.dir, 'state-invalid');
    const bad = c.playbook('bad', `name: bad
steps:
  - name: nope
    on: all
    do: shel
    with: { command: "echo x" }
`);
    await expect(startRun(c.opts(bad, { stateDir }))).rejects.toBeInstanceOf(InputErrors);
    const good = c.playbook('good', `name: good
steps:
  - name: fine
    on: all
    do: shell
    with: { command: "echo fine" }
`);
    await expect(startRun(c.opts(good, { stateDir, limit: 'ds9' }))).rejects.toThrow(/ds9/);
    expect(existsSync(join(stateDir, 'runs')) ? readdirSync(join(stateDir, 'runs')) : []).toEqual([]);
    expect(c.names.map((h) => c.commands(h).length)).toEqual(before);
  });

  it('the summary does not list a shell step marked readonly: true as changing hosts (a preflight)', async () => {
    const pb = c.playbook('preflight', `name: preflight
confirm: "Go?"
steps:
  - name: preflight
    on: ds1
    do: shell
    with: { command: "true", readonly: true }
  - name: change
    on: ds1
    do: shell
    with: { command: "echo changed" }
`);
    const events: RunEvent[] = [];
    await startRun(c.opts(pb, { yes: false, confirm: async () => false, onEvent: (e) => events.push(e) }));
    const summary = events.find((e) => e.type === 'run.summary') as { lines: string[] };
    expect(summary.lines.slice(1)).toEqual(['Also changes hosts:', '  2 change: ds1']);
  });

  it('asks once before anything changes: refused without a way to ask, nothing runs on "no"', async () => {
    const pb = c.playbook('confirm', `name: confirm
confirm: "Wipe {{ hosts | length }} hosts?"
steps:
  - name: harmless
    on: ds1
    do: shell
    with: { command: "echo before-confirm" }
  - name: destructive
    on: ds1
    do: shell
    with: { command: "echo wiped" }
`);
    const err = await startRun(c.opts(pb, { yes: false })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('confirm asks for confirmation before it changes anything and there is no terminal to ask: re-run with --yes to confirm it in advance');

    const asked: string[] = [];
    const events: RunEvent[] = [];
    const out = await startRun(c.opts(pb, { yes: false, confirm: async (q) => (asked.push(q), false), onEvent: (e) => events.push(e) }));
    expect(asked).toEqual(['Wipe 4 hosts?']);
    expect(out).toMatchObject({ status: 'interrupted', exitCode: 3, next: expect.stringMatching(/^nothing was changed/) });
    expect(count(c, 'ds1', 'before-confirm')).toBe(0);
    expect(count(c, 'ds1', 'wiped')).toBe(0);
    const summary = events.find((e) => e.type === 'run.summary');
    expect(summary).toMatchObject({ question: 'Wipe 4 hosts?' });
    expect((summary as { lines: string[] }).lines[0]).toBe('About to run confirm: 2 step(s) on 4 host(s) (ds1, ds2, ds3, ds4)');
    expect((summary as { lines: string[] }).lines.slice(1)).toEqual(['Also changes hosts:', '  1 harmless: ds1', '  2 destructive: ds1']);
    expect(events.findIndex((e) => e.type === 'run.summary')).toBeLessThan(events.findIndex((e) => e.type === 'run.done'));
    expect(events.some((e) => e.type === 'step.start')).toBe(false);

    // --yes answers it: the summary is still shown, without a question.
    const yesEvents: RunEvent[] = [];
    const done = await startRun(c.opts(pb, { yes: true, onEvent: (e) => yesEvents.push(e) }));
    expect(done.status).toBe('done');
    expect(yesEvents.find((e) => e.type === 'run.summary')).not.toHaveProperty('question');
  });

  it('a later confirm with a reason asks again at its step, and the wait is not in the step time', async () => {
    const pb = c.playbook('confirm-later', `name: confirm-later
steps:
  - name: harmless
    on: ds1
    do: shell
    with: { command: "echo before-later" }
  - name: depends on what step 1 found
    on: ds1
    confirm: "Really wipe {{ host | default('the hosts') }}?"
    confirm_after_change_reason: the hosts to wipe are known only after step 1
    do: shell
    with: { command: "echo later-wiped" }
`);
    const asked: string[] = [];
    const events: RunEvent[] = [];
    const slowYes = async (q: string) => {
      asked.push(q);
      await new Promise((r) => setTimeout(r, 2000));
      return true;
    };
    const out = await startRun(c.opts(pb, { yes: false, confirm: slowYes, onEvent: (e) => events.push(e) }));
    expect(out.status).toBe('done');
    // Nothing destructive and no playbook question before it: the only question is step 2's own.
    expect(asked).toEqual(['Really wipe the hosts?']);
    const summary = events.find((e) => e.type === 'run.summary') as { lines: string[] };
    expect(summary.lines).toContain('Step 2 asks again when it starts: the hosts to wipe are known only after step 1');
    const step2 = events.find((e) => e.type === 'step.done' && e.step === 1) as { durationMs: number };
    // The step itself is one echo; the 2 s spent waiting for the answer are not its time.
    expect(step2.durationMs).toBeLessThan(2000);
  });

  it('the loader refuses a confirm after a step that changes hosts unless the step says why', async () => {
    const pb = c.playbook('confirm-late', `name: confirm-late
steps:
  - name: check first
    on: ds1
    do: assert
    with: { that: "1 == 1" }
  - name: change
    on: ds1
    do: shell
    with: { command: "echo changed" }
  - name: ask now
    on: ds1
    confirm: "Go on?"
    do: shell
    with: { command: "echo never" }
`);
    const err = await startRun(c.opts(pb, { yes: true })).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `${pb}:13:14: step 3 (ask now): confirm comes after step 2 (change) changed hosts, so the cluster would wait half-changed on a person; ` +
        "move the question to the playbook's top-level confirm (asked once before anything changes), or say why it must wait with confirm_after_change_reason:",
    );
    expect(count(c, 'ds1', 'echo changed')).toBe(0);
  });
});

describe('unreachable hosts', () => {
  it('the warning names the host once: the event carries it, the message does not repeat it', async () => {
    const inventory = join(c.dir, 'inventory-down.yaml');
    // ds4 points at a port nobody listens on.
    const text = readFileSync(c.inventory, 'utf8').replace(new RegExp(`port: ${c.server('ds4').port} `), 'port: 9 ');
    writeFileSync(inventory, text);
    const pb = c.playbook('down', 'name: down\nsteps:\n  - name: on ds1\n    on: ds1\n    do: shell\n    with: { command: "echo up" }\n');
    const events: RunEvent[] = [];
    const out = await startRun(c.opts(pb, { inventoryFile: inventory, onEvent: (e) => events.push(e) }));
    expect(out.status).toBe('done');
    const warning = events.find((e) => e.type === 'warning' && e.host === 'ds4') as { message: string };
    expect(warning.message).toBe("cannot connect: connect ECONNREFUSED 127.0.0.1:9 (nothing accepts SSH connections at 127.0.0.1 port 9: check ssh.port and the host's address (is sshd running?))");
  });
});

describe('host keys', () => {
  it('a changed host key on one host stops the run before any command on any host', async () => {
    const knownHosts = join(c.dir, 'known_hosts_changed');
    const other = generateEd25519();
    writeFileSync(knownHosts, c.names.map((h) =>
      h === 'ds3' ? knownHostsLine('127.0.0.1', c.server(h).port, other.public) : c.server(h).hostPublicKeyLine()).join('\n') + '\n');
    const inventory = join(c.dir, 'inventory-changed.yaml');
    writeFileSync(inventory, readFileSync(c.inventory, 'utf8').replace(/known_hosts: .*/, `known_hosts: ${knownHosts}`));
    const pb = c.playbook('hostkey', `name: hostkey
steps:
  - name: touch
    on: all
    do: shell
    with: { command: "echo hostkey-step" }
`);
    const out = await startRun(c.opts(pb, { inventoryFile: inventory }));
    expect(out).toMatchObject({ status: 'failed', exitCode: 1, failed: { host: 'ds3' } });
    expect(out.failed!.error).toMatch(/nothing was run/);
    for (const h of c.names) expect(count(c, h, 'hostkey-step')).toBe(0);
  });

  it('waits for a slow host\'s key before any command anywhere (no time window)', async () => {
    // ds3 answers only after 4 s, and with a key that is not the known one.
    const proxy = await startSlowProxy(c.server('ds3').port, 4000);
    try {
      const other = generateEd25519();
      const knownHosts = join(c.dir, 'known_hosts_slow');
      writeFileSync(knownHosts, c.names.map((h) =>
        h === 'ds3' ? knownHostsLine('127.0.0.1', proxy.port, other.public) : c.server(h).hostPublicKeyLine()).join('\n') + '\n');
      const inventory = join(c.dir, 'inventory-slow.yaml');
      writeFileSync(inventory, readFileSync(c.inventory, 'utf8')
        .replace(/known_hosts: .*/, `known_hosts: ${knownHosts}`)
        .replace(`port: ${c.server('ds3').port}`, `port: ${proxy.port}`)
        .replace('connect_timeout: 5s', 'connect_timeout: 20s'));
      const pb = c.playbook('slowkey', `name: slowkey
steps:
  - name: touch
    on: all
    do: shell
    with: { command: "echo slowkey-step" }
`);
      const out = await startRun(c.opts(pb, { inventoryFile: inventory }));
      expect(out).toMatchObject({ status: 'failed', exitCode: 1, failed: { host: 'ds3' } });
      expect(out.failed!.error).toMatch(/nothing was run/);
      for (const h of c.names) expect(count(c, h, 'slowkey-step')).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('Ctrl-C while a host is still connecting ends the run as interrupted (exit 3) without waiting for it', async () => {
    // ds2 never answers; its connect timeout (60 s) is far longer than this test may take.
    const proxy = await startSlowProxy(c.server('ds2').port, Infinity);
    try {
      const inventory = join(c.dir, 'inventory-hang.yaml');
      writeFileSync(inventory, readFileSync(c.inventory, 'utf8')
        .replace(`port: ${c.server('ds2').port}`, `port: ${proxy.port}`)
        .replace('connect_timeout: 5s', 'connect_timeout: 60s'));
      const pb = c.playbook('hang', `name: hang
steps:
  - name: touch
    on: all
    do: shell
    with: { command: "echo hang-step" }
`);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 500);
      const o = c.opts(pb, { inventoryFile: inventory, signal: ac.signal });
      const out = await startRun(o);
      expect(out).toMatchObject({ status: 'interrupted', exitCode: 3 });
      expect(o.events.some((e) => e.type === 'warning' && /interrupted while connecting \(still connecting: ds2\)/.test(e.message))).toBe(true);
      for (const h of c.names) expect(count(c, h, 'hang-step')).toBe(0);
      // The journal says so too: run.json interrupted, a run.done event.
      const runJson = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8'));
      expect(runJson.status).toBe('interrupted');
      expect(readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8')).toMatch(/"type":"run.done"[^\n]*"status":"interrupted"/);
    } finally {
      await proxy.close();
    }
  }, 20_000);
});
