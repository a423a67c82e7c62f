/**
 * Drives the real CLI (`node bin/lifeboat.js`, a child process) against three in-process ssh2
 * servers, each a "host" on its own port that runs commands as real `sh -c` processes.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInventoryYaml } from '../../helpers/test-inventory.ts';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/lifeboat.js');
const TOKEN = 'tok-4f9c2e7a-never-print-me';
const HOSTS = ['ds1', 'ds2', 'ds3'];

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, LIFEBOAT_TEST_TOKEN: TOKEN, ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

let servers: TestSshServer[] = [];
let work: string;
let inventory: string;
let stateDir: string;

function writeInventory(file: string, knownHosts: string): string {
  const extra = 'secrets:\n  token: { env: LIFEBOAT_TEST_TOKEN }\n';
  writeFileSync(file, testInventoryYaml({ cluster: 'clitest', servers, names: HOSTS, knownHosts, extra }));
  return file;
}

const commandsOn = (i: number) => servers[i]!.commands.map((c) => c.command);

beforeAll(async () => {
  const clientKey = generateEd25519();
  servers = await Promise.all(HOSTS.map(() => startTestSshServer({ clientKey })));
  work = mkdtempSync(join(tmpdir(), 'lifeboat-cli-ssh-'));
  stateDir = join(work, 'state');
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.hostPublicKeyLine()).join('\n') + '\n');
  inventory = writeInventory(join(work, 'inventory.yaml'), knownHosts);
  writeFileSync(
    join(work, 'ok.yaml'),
    `name: cli-ok
params:
  marker: { default: hello }
steps:
  - name: Write the marker
    on: all
    do: shell
    with: { command: "echo {{ marker }} > marker.txt" }
  - name: Hand over the token
    on: all
    do: shell
    with:
      command: "cat > token.txt && echo token is $(cat token.txt)"
      stdin: "{{ secrets.token }}"
  - name: Only on ds2
    on: ds2
    do: shell
    with: { command: "echo second >> marker.txt" }
`,
  );
  writeFileSync(
    join(work, 'gated.yaml'),
    `name: cli-gated
steps:
  - name: First
    on: all
    do: shell
    with: { command: "echo first >> gated.txt" }
  - name: Needs the go-ahead
    on: ds2
    do: shell
    with: { command: "test -e go-ahead" }
  - name: Last
    on: all
    do: shell
    with: { command: "echo last >> gated.txt" }
`,
  );
  // A typo'd key on line 5 (`doo`) and a non-number concurrency on line 7.
  writeFileSync(
    join(work, 'broken.yaml'),
    `name: cli-broken
steps:
  - name: Oops
    on: all
    doo: shell
    with: { command: "true" }
    concurrency: many
`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('lifeboat CLI against three ssh hosts', { timeout: 180_000 }, () => {
  it('runs a playbook end to end with plain output, in step order, and never prints the secret', async () => {
    const before = servers.map((s) => s.commands.length);
    const r = await cli(['run', join(work, 'ok.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir, '-e', 'marker=hi']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const [i, dir] of servers.map((s) => s.dir).entries()) {
      const marker = readFileSync(join(dir, 'marker.txt'), 'utf8');
      expect(marker).toBe(i === 1 ? 'hi\nsecond\n' : 'hi\n');
      expect(readFileSync(join(dir, 'token.txt'), 'utf8')).toBe(TOKEN); // it arrived, on stdin
    }
    const ds2 = commandsOn(1).slice(before[1]);
    const order = ['echo hi > marker.txt', 'cat > token.txt', 'echo second >> marker.txt'].map((c) => ds2.findIndex((x) => x.includes(c)));
    expect(order.every((n) => n >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(commandsOn(0).some((c) => c.includes('echo second'))).toBe(false);
    expect(r.stdout).toMatch(/\[1\/3\] Write the marker  ds1  changed  \(\d+\.\ds\)/);
    expect(r.stdout).toMatch(/^Run \S+ done in /m);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(servers.flatMap((s) => s.commands.map((c) => c.command)).join('\n')).not.toContain(TOKEN);
  });

  it('Ansible-style short flags: -l limits, -C checks, --extra-vars @file, -v shows commands', async () => {
    writeFileSync(join(work, 'vars.yaml'), 'marker: from-file\n');
    writeFileSync(join(work, 'vars.json'), '{"marker": "from-json"}\n');
    const before = servers.map((s) => s.commands.length);
    const r = await cli(['run', join(work, 'ok.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir, '-l', 'ds2', '--extra-vars', '@' + join(work, 'vars.yaml'), '-v']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(servers[1]!.dir, 'marker.txt'), 'utf8')).toBe('from-file\nsecond\n');
    // -l ds2: nothing ran on ds1 or ds3.
    expect(servers[0]!.commands.length).toBe(before[0]);
    expect(servers[2]!.commands.length).toBe(before[2]);
    // -v: the raw command is on the screen; without it only the journal has it.
    expect(r.stdout).toMatch(/\[1\/3\] Write the marker  ds2  \$ echo from-file > marker.txt/);
    const quiet = await cli(['run', join(work, 'ok.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir, '-l', 'ds2', '-e', '@' + join(work, 'vars.json')]);
    expect(quiet.code).toBe(0);
    expect(readFileSync(join(servers[1]!.dir, 'marker.txt'), 'utf8')).toBe('from-json\nsecond\n');
    expect(quiet.stdout).not.toContain('$ echo');
    const checked = await cli(['run', join(work, 'ok.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir, '-l', 'ds2', '-C', '-e', 'marker=checked']);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('check: would run echo checked > marker.txt');
    expect(readFileSync(join(servers[1]!.dir, 'marker.txt'), 'utf8')).toBe('from-json\nsecond\n');
    const bad = await cli(['plan', join(work, 'ok.yaml'), '-i', inventory, '-e', '@' + join(work, 'missing.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`option '-e, --extra <key=value>' argument '@${join(work, 'missing.yaml')}' is invalid. cannot read ${join(work, 'missing.yaml')}: no such file`);
  });

  it('--json writes only JSON lines on stdout, ending with the outcome', async () => {
    const r = await cli(['run', join(work, 'ok.yaml'), '-i', inventory, '--json', '--state-dir', stateDir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { type: string; exitCode?: number });
    expect(events[0]!.type).toBe('run.start');
    expect(events.at(-2)!.type).toBe('run.done');
    expect(events.at(-1)).toMatchObject({ type: 'run.outcome', status: 'done', exitCode: 0 });
    expect(events.filter((e) => e.type === 'host.done')).toHaveLength(7);
    expect(r.stdout).not.toContain(TOKEN);
  });

  it('a malformed playbook exits 2 naming file:line:col, and nothing connects', async () => {
    const before = servers.map((s) => s.commands.length);
    const r = await cli(['run', join(work, 'broken.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(work, 'broken.yaml')}:5:5:`);
    expect(r.stderr).toMatch(/broken\.yaml:7:\d+:/);
    const json = await cli(['run', join(work, 'broken.yaml'), '-i', inventory, '--json', '--state-dir', stateDir]);
    expect(json.code).toBe(2);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const outcome = JSON.parse(lines[0]!) as { type: string; status: string; exitCode: number; errors: string[] };
    expect(outcome).toMatchObject({ type: 'run.outcome', status: 'invalid', exitCode: 2 });
    expect(outcome.errors.some((e) => e.startsWith(`${join(work, 'broken.yaml')}:5:5:`))).toBe(true);
    expect(servers.map((s) => s.commands.length)).toEqual(before);
  });

  it('a changed host key aborts before any command runs on any host', async () => {
    const badKnownHosts = join(work, 'known_hosts.changed');
    // ds2's entry carries ds3's key: ds2 now presents a key that does not match.
    const ds2Line = servers[2]!.hostPublicKeyLine().replace(`]:${servers[2]!.port} `, `]:${servers[1]!.port} `);
    expect(ds2Line).toContain(`]:${servers[1]!.port} `);
    writeFileSync(badKnownHosts, [servers[0]!.hostPublicKeyLine(), ds2Line, servers[2]!.hostPublicKeyLine()].join('\n') + '\n');
    const inv = writeInventory(join(work, 'inventory.changed.yaml'), badKnownHosts);
    const before = servers.map((s) => s.commands.length);
    const r = await cli(['run', join(work, 'ok.yaml'), '-i', inv, '--plain', '--state-dir', stateDir]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/host key for ds2 has CHANGED/);
    expect(servers.map((s) => s.commands.length)).toEqual(before);
  });

  it('a failed step exits 1, and resume finishes the run without repeating completed work', async () => {
    const failed = await cli(['run', join(work, 'gated.yaml'), '-i', inventory, '--json', '--state-dir', stateDir]);
    expect(failed.code).toBe(1);
    const outcome = JSON.parse(failed.stdout.trimEnd().split('\n').at(-1)!) as { runId: string; status: string; failed?: { host: string } };
    expect(outcome).toMatchObject({ status: 'failed', failed: { host: 'ds2' } });
    expect(existsSync(join(servers[0]!.dir, 'gated.txt'))).toBe(true);

    const listed = await cli(['runs', '--state-dir', stateDir, '--json']);
    expect(listed.code).toBe(0);
    const runs = listed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { runId: string; status: string });
    expect(runs.find((x) => x.runId === outcome.runId)?.status).toBe('failed');

    writeFileSync(join(servers[1]!.dir, 'go-ahead'), '');
    const resumed = await cli(['resume', outcome.runId, '--plain', '--state-dir', stateDir]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    for (const s of servers) expect(readFileSync(join(s.dir, 'gated.txt'), 'utf8')).toBe('first\nlast\n');

    const again = await cli(['resume', outcome.runId, '--plain', '--state-dir', stateDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already finished');
  });

  it('plan prints each host\'s exact commands with the secret masked, and runs nothing', async () => {
    const before = servers.map((s) => s.commands.length);
    const text = await cli(['plan', join(work, 'ok.yaml'), '-i', inventory, '-e', 'marker=hi']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('[1/3] Write the marker  (shell)\n  ds1\n    $ echo hi > marker.txt\n');
    expect(text.stdout).toMatch(/stdin: .*\*\*\*/);
    const json = await cli(['plan', join(work, 'ok.yaml'), '-i', inventory, '--json']);
    expect(json.code).toBe(0);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]!) as { type: string; steps: { hosts: { host: string }[] }[] };
    expect(plan.type).toBe('plan');
    expect(plan.steps.map((st) => st.hosts.map((h) => h.host))).toEqual([HOSTS, HOSTS, ['ds2']]);
    expect(text.stdout + json.stdout).not.toContain(TOKEN);
    expect(servers.map((s) => s.commands.length)).toEqual(before);
  });

  it('a step that needs confirmation is refused without a terminal and without --yes', async () => {
    writeFileSync(
      join(work, 'confirm.yaml'),
      'name: cli-confirm\nsteps:\n  - name: Destroy\n    on: ds1\n    do: shell\n    confirm: "Really?"\n    with: { command: "touch destroyed" }\n',
    );
    const r = await cli(['run', join(work, 'confirm.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(existsSync(join(servers[0]!.dir, 'destroyed'))).toBe(false);
    const yes = await cli(['run', join(work, 'confirm.yaml'), '-i', inventory, '--plain', '--yes', '--state-dir', stateDir]);
    expect(yes.code).toBe(0);
    expect(existsSync(join(servers[0]!.dir, 'destroyed'))).toBe(true);
  });

  it('a second run on the same inventory while one is running exits 4 (lock held)', async () => {
    // The first run holds until the test lets it go, however slowly the second CLI starts.
    writeFileSync(
      join(work, 'hold.yaml'),
      'name: cli-hold\nsteps:\n  - name: Hold\n    on: ds1\n    do: shell\n    with: { command: "i=0; while [ ! -e release ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done" }\n',
    );
    const first = spawn(process.execPath, [BIN, 'run', join(work, 'hold.yaml'), '-i', inventory, '--json', '--state-dir', stateDir], {
      cwd: ROOT,
      env: { ...process.env, LIFEBOAT_TEST_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstExit = new Promise<number | null>((r) => first.on('exit', (code) => r(code)));
    try {
      // The lock is taken before run.start is emitted.
      await new Promise<void>((r) => first.stdout.on('data', (d: Buffer) => d.toString().includes('"run.start"') && r()));
      const second = await cli(['run', join(work, 'hold.yaml'), '-i', inventory, '--plain', '--state-dir', stateDir]);
      expect(second.code).toBe(4);
      expect(second.stdout).toBe('');
      expect(second.stderr).toMatch(/lock|running/i);
      // --json: exactly one line, the outcome, with the reason in it.
      const json = await cli(['run', join(work, 'hold.yaml'), '-i', inventory, '--json', '--state-dir', stateDir]);
      expect(json.code).toBe(4);
      const lines = json.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'run.outcome', status: 'locked', exitCode: 4, errors: [expect.stringMatching(/lock|running/i)] });
    } finally {
      writeFileSync(join(servers[0]!.dir, 'release'), '');
    }
    expect(await firstExit).toBe(0);
  });

  it('inventory check connects to every host and prints the table', async () => {
    const r = await cli(['inventory', 'check', '-i', inventory]);
    expect(r.code).toBe(0);
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`^${h}\\s+127\\.0\\.0\\.1:\\d+\\s+yes\\s+ok\\s+\\d+\\s+[\\d.]+\\s*$`, 'm'));
  });
});
