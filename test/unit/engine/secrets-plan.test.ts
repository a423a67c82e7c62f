/** Secrets stay masked everywhere; plan and check mode change nothing; the builtin actions do their job. */
import { formatPlan } from '../../../src/report/plan-text.ts';
import { formatPlanSummary } from '../../../src/report/plan-summary.ts';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun, resumeRun, startRun } from '../../../src/engine/index.ts';
import { count, startCluster, type TestCluster } from './cluster.ts';

const TOKEN = 'engine-secret-9d1f6b2c-do-not-print';
const PARAM_SECRET = 'param-secret-77aa31-hidden';
let c: TestCluster;
beforeAll(async () => {
  process.env.LIFEBOAT_ENGINE_TOKEN = TOKEN;
  c = await startCluster(2, 'secrets:\n  token: { env: LIFEBOAT_ENGINE_TOKEN }\n');
});
afterAll(async () => c?.close()); // c is unset when beforeAll failed: report that failure once

const everything = (runDir: string, events: unknown[]) =>
  readFileSync(join(runDir, 'journal.jsonl'), 'utf8') + readFileSync(join(runDir, 'run.json'), 'utf8') + JSON.stringify(events);

describe('secrets', () => {
  it('reach the host on stdin only and never appear in the journal, events, errors or the remote command line', async () => {
    const pb = c.playbook('secret', `name: secret
params:
  pass: { secret: true, required: true }
steps:
  - name: store
    on: all
    do: shell
    with:
      command: "cat > got-secret; echo stored"
      stdin: "{{ secrets.token }}:{{ pass }}"
    register: stored
  - name: leak attempt
    on: ds1
    do: shell
    with: { command: "cat; cat >&2; exit 4", stdin: "{{ secrets.token }}" }
`);
    const o = c.opts(pb, { params: { pass: PARAM_SECRET } });
    const out = await startRun(o);
    expect(out.status).toBe('failed');
    for (const h of c.names) expect(readFileSync(join(c.server(h).dir, 'got-secret'), 'utf8')).toBe(`${TOKEN}:${PARAM_SECRET}`);
    const seen = everything(out.runDir, o.events) + JSON.stringify(out);
    expect(seen).not.toContain(TOKEN);
    expect(seen).not.toContain(PARAM_SECRET);
    expect(out.failed!.error).toContain('***');
    for (const h of c.names) for (const cmd of c.commands(h)) {
      expect(cmd).not.toContain(TOKEN);
      expect(cmd).not.toContain(PARAM_SECRET);
    }
    expect(JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8')).params.pass).toBe('***');

    // run.json keeps the secret param masked, so resume needs it again; then only step 2 runs.
    await expect(resumeRun(out.runId, c.opts(pb))).rejects.toThrow(/-e pass=/);
    const again = await resumeRun(out.runId, c.opts(pb, { params: { pass: PARAM_SECRET } }));
    expect(again.status).toBe('failed');
    expect(c.names.map((h) => count(c, h, 'echo stored'))).toEqual([1, 1]);
    expect(count(c, 'ds1', 'cat >&2; exit 4')).toBe(2);
    expect(readFileSync(join(out.runDir, 'journal.jsonl'), 'utf8')).not.toContain(TOKEN);
  });

  it('plans show the exact commands with secrets masked and later-known values as <from step N>, connecting to nothing', async () => {
    const before = c.names.map((h) => c.commands(h).length);
    const pb = c.playbook('plan', `name: plan
params:
  master: { default: ds2 }
steps:
  - name: read
    on: all
    do: shell
    with: { command: "hostname", readonly: true }
    register: name
  - name: use
    on: "all:!{{ master }}"
    do: shell
    with: { command: "echo {{ name[host].stdout }} > seen", stdin: "{{ secrets.token }}" }
  - name: only ds2
    on: all
    when: "host == master"
    do: wait
    with: { command: "test -f ready", interval: 1s, timeout: 10s }
`);
    const plan = await planRun({ playbookFile: pb, inventoryFile: c.inventory, params: {}, concurrency: 10 });
    expect(plan.steps.map((s) => s.hosts.map((h) => h.host))).toEqual([['ds1', 'ds2'], ['ds1'], ['ds1', 'ds2']]);
    expect(plan.steps[0]!.hosts[0]!.commands).toEqual([{ host: 'ds1', command: 'hostname' }]);
    const use = plan.steps[1]!.hosts[0]!.commands[0]!;
    expect(use.command).toBe('echo <from step 1> > seen');
    expect(use.stdin).toContain('***');
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    expect(plan.steps[2]!.hosts[0]!.note).toMatch(/skipped/);
    expect(plan.steps[2]!.hosts[1]!.commands[0]!.command).toBe('test -f ready');
    expect(c.names.map((h) => c.commands(h).length)).toEqual(before);
    // Nothing destructive and no question: the plan promises none.
    expect(plan.confirm).toBeUndefined();
  });

  it('the plan shows the one question the run will ask before step 1', async () => {
    const pb = c.playbook('plan-confirm', `name: plan-confirm
params:
  master: { default: ds2 }
confirm: "Wipe {{ master }}?"
steps:
  - name: wipe
    on: "{{ master }}"
    do: shell
    with: { command: "echo wiped" }
`);
    const plan = await planRun({ playbookFile: pb, inventoryFile: c.inventory, params: {}, concurrency: 10 });
    expect(plan.confirm).toBe('Wipe ds2?');
    expect(formatPlan(plan, 'Plan')).toContain('Asks once, before step 1 (unless --yes): Wipe ds2?');
    // The closing summary agrees with the question above it (it said "confirmations: none").
    expect(formatPlanSummary(plan)).toContain('  confirmations:       once, before step 1 (unless --yes)');
  });
});

describe('check mode and builtin actions', () => {
  it('check mode runs only read-only commands and changes nothing', async () => {
    const pb = c.playbook('check', `name: check
steps:
  - name: probe
    on: all
    do: shell
    with: { command: "echo probe-ro", readonly: true }
  - name: change
    on: all
    do: shell
    with: { command: "touch check-changed" }
`);
    const o = c.opts(pb, { check: true });
    const out = await startRun(o);
    expect(out.status).toBe('done');
    for (const h of c.names) {
      expect(count(c, h, 'probe-ro')).toBe(1);
      expect(count(c, h, 'check-changed')).toBe(0);
    }
    expect(o.events.filter((e) => e.type === 'host.done' && e.step === 1).every((e) => e.type === 'host.done' && /would run/.test(e.summary ?? ''))).toBe(true);
  });

  it('file.push uploads once (then is unchanged), file.fetch brings it back per host, wait and assert work', async () => {
    const src = join(c.dir, 'payload.bin');
    const data = Buffer.alloc(300_000, 7);
    writeFileSync(src, data);
    const sha = createHash('sha256').update(data).digest('hex');
    const pb = c.playbook('files', `name: files
steps:
  - name: push
    on: all
    do: file.push
    with: { src: "${src}", dest: "payload.bin", mode: "0600" }
    register: pushed
  - name: ready later
    on: ds1
    do: shell
    with: { command: "rm -f ready-file; (sleep 1.5; touch ready-file) >/dev/null 2>&1 &" }
  - name: wait
    on: ds1
    do: wait
    with: { command: "test -f ready-file", interval: 100ms, timeout: 10s }
    register: waited
  - name: fetch
    on: all
    do: file.fetch
    with: { src: "payload.bin", dest: "fetched/{{ host }}.bin" }
  - name: check
    on: all
    do: assert
    with:
      that: ["pushed[host].sha256 == '${sha}'", "waited.ds1.attempts > 1"]
`);
    const o = c.opts(pb);
    const out = await startRun(o);
    expect(out, JSON.stringify(o.events.filter((e) => e.type === 'host.done' && e.status === 'failed'))).toMatchObject({ status: 'done' });
    for (const h of c.names) {
      expect(statSync(join(c.server(h).dir, 'payload.bin')).mode & 0o777).toBe(0o600);
      expect(createHash('sha256').update(readFileSync(join(out.runDir, 'fetched', `${h}.bin`))).digest('hex')).toBe(sha);
    }
    const pushes = o.events.filter((e) => e.type === 'host.done' && e.step === 0);
    expect(pushes.every((e) => e.type === 'host.done' && e.status === 'changed')).toBe(true);

    const o2 = c.opts(pb);
    expect((await startRun(o2)).status).toBe('done');
    expect(o2.events.filter((e) => e.type === 'host.done' && e.step === 0).every((e) => e.type === 'host.done' && e.status === 'ok')).toBe(true);

    const failing = c.playbook('assert-fail', `name: assert-fail
steps:
  - name: nope
    on: ds1
    do: assert
    with: { that: "host == 'ds2'", msg: "wrong host" }
`);
    // Over what plan knows (host, params, inventory): refused before the run starts, like plan does.
    await expect(startRun(c.opts(failing))).rejects.toThrow(/plan refused: step 1 "nope" on ds1: wrong host/);
    // Over a registered output: only the run can tell, and the step fails there.
    const late = c.playbook('assert-late', `name: assert-late
steps:
  - name: say
    on: ds1
    do: shell
    with: { command: "echo hi" }
    register: said
  - name: nope
    on: ds1
    do: assert
    with: { that: "said.ds1.stdout == 'bye'", msg: "wrong word" }
`);
    const bad = await startRun(c.opts(late));
    expect(bad.status).toBe('failed');
    expect(bad.failed!.error).toContain('wrong word');
  });
});
