/**
 * Every `$ lifeboat …` example in every command's --help, run as written (through bash, pipes and
 * redirections included) in a scratch directory whose inventories point at in-process SSH servers.
 * An example is broken when the CLI rejects it as input (exit 2) for any reason other than having
 * no terminal to ask its one question; the servers have no 389-ds, so a run may fail on a host
 * (exit 1) after it was accepted.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.ts';
import type { Command } from 'commander';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { testInventoryYaml } from '../../helpers/test-inventory.ts';
import { fakeIO } from './fake-io.ts';
import { sha256File, writeHeader } from '../../../src/backup/index.ts';
import { sampleHeader } from '../backup/sample-header.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const EXAMPLE_RUN_ID = '20261122-120001-a1b2';
/** What the shipped playbooks run on a server; none of it may really run on the test machine. */
const SERVER_TOOLS = ['dscreate', 'dsctl', 'dsconf', 'dsidm', 'ldapmodify', 'ldapsearch', 'ldapadd', 'ldapdelete', 'db2bak', 'bak2db', 'db2ldif', 'ldif2db', 'systemctl', 'ipactl', 'ipa-backup', 'ipa-restore', 'runuser', 'pg_ctl', 'psql', 'pg_dump', 'pg_basebackup'];
let servers: TestSshServer[] = [];
let work: string;

function sh(line: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { cwd: work, env: { ...process.env, LIFEBOAT_EXAMPLE_DM: 'example-dm-secret', HOME: work, PATH: `${join(work, 'bin')}:${process.env.PATH}` }, timeout: 90_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr }),
    );
  });
}

/** Every example line of every command's help. */
async function examples(): Promise<string[]> {
  const program = await buildProgram({ io: fakeIO(), setExit: () => undefined });
  const out: string[] = [];
  const walk = (cmd: Command) => {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
    cmd.outputHelp();
    for (const m of text.matchAll(/^ {2}\$ (lifeboat .*)$/gm)) out.push(m[1]!.trim());
    cmd.commands.forEach(walk);
  };
  walk(program);
  return [...new Set(out)];
}

/** A failed run under the id the examples use, in `stateDir`, so `resume <id>` has something to resume. */
async function failedRun(stateDir: string): Promise<void> {
  writeFileSync(join(work, 'fails.yaml'), 'name: fails\nsteps:\n  - name: Fail\n    on: ds1\n    do: shell\n    with: { command: "exit 3" }\n');
  const r = await sh(`lifeboat run fails.yaml -i inventories/lab.yaml --json --state-dir ${stateDir}`);
  expect(r.code).toBe(1);
  const runId = (JSON.parse(r.out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { runId: string }).runId;
  const runs = join(work, stateDir, 'runs');
  renameSync(join(runs, runId), join(runs, EXAMPLE_RUN_ID));
  const recordFile = join(runs, EXAMPLE_RUN_ID, 'run.json');
  writeFileSync(recordFile, readFileSync(recordFile, 'utf8').replace(runId, EXAMPLE_RUN_ID));
}

beforeAll(async () => {
  const clientKey = generateEd25519();
  work = mkdtempSync(join(tmpdir(), 'lifeboat-help-examples-'));
  // The in-process servers run commands as real processes on this machine, as root: a run example
  // accepted as written would really create, stop or restore 389-ds instances here. Every server
  // tool is a stub that fails first on their PATH, so such a run fails on a host (exit 1).
  const stubs = join(work, 'server-tools');
  mkdirSync(stubs);
  for (const tool of SERVER_TOOLS) {
    writeFileSync(join(stubs, tool), `#!/bin/sh\necho "${tool}: not run by the help-examples test" >&2\nexit 1\n`, { mode: 0o755 });
  }
  servers = await Promise.all([0, 1, 2, 3].map(() => startTestSshServer({ clientKey, env: { PATH: `${stubs}:${process.env.PATH}` } })));
  mkdirSync(join(work, 'bin'));
  writeFileSync(join(work, 'bin', 'lifeboat'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/lifeboat.js'))} "$@"\n`, { mode: 0o755 });
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.hostPublicKeyLine()).join('\n') + '\n');
  // Like a real cluster's inventory: its instance, suffix and secrets, and a backup of ds1 in the store.
  const extra = 'vars: { instance: lab, suffixes: ["dc=lab,dc=test"] }\nsecrets:\n  dm_password: { env: LIFEBOAT_EXAMPLE_DM }\n  repl_password: { env: LIFEBOAT_EXAMPLE_DM }\n';
  const inventory = testInventoryYaml({ cluster: 'examples', servers, names: ['ds1', 'ds2', 'ds3', 'ds4'], knownHosts, extra })
    .replace(/^( {2}(ds\d):\n)/gm, (line, _all, name: string) => `${line}    vars: { replica_id: ${name.slice(2)} }\n`);
  const backup = join(work, 'backups', 'examples', 'lifeboat-data-2026-11-22-04-05-06');
  mkdirSync(backup, { recursive: true });
  // A real tar of the 389-ds layout: backup=latest reads it as one before it plans.
  mkdirSync(join(work, 'db-src', 'db'), { recursive: true });
  writeFileSync(join(work, 'db-src', 'db', 'DBVERSION'), 'example payload\n');
  await promisify(execFile)('tar', ['-cf', join(backup, 'payload.tar'), '-C', join(work, 'db-src'), 'db']);
  const sum = await sha256File(join(backup, 'payload.tar'));
  await writeHeader(backup, sampleHeader({ cluster: 'examples', host: 'ds1', hostname: 'ds1.lab.test', payload: { file: 'payload.tar', size: sum.size, sha256: sum.sha256 }, archive: { size: sum.size, sha256: sum.sha256 } }));
  mkdirSync(join(work, 'inventories'));
  writeFileSync(join(work, 'inventories', 'lab.yaml'), inventory);
  writeFileSync(join(work, 'prod.yaml'), inventory);
  writeFileSync(join(work, 'restore-vars.yaml'), 'master: ds1\nbackup: latest\n');
  cpSync(join(ROOT, 'playbooks'), join(work, 'playbooks'), { recursive: true });
  await failedRun('.lifeboat');
  await failedRun('lifeboat-state');
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('--help examples', () => {
  it('every example is accepted as written, and none created a 389-ds instance on this machine', async () => {
    const instancesBefore = existsSync('/etc/dirsrv') ? readdirSync('/etc/dirsrv').filter((d) => d.startsWith('slapd-')) : [];
    const list = await examples();
    expect(list.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const line of list) {
      const r = await sh(line);
      const noTerminal = /there is no terminal to ask: re-run with --yes/.test(r.out);
      const accepted = r.code === 0 || r.code === 1 || (r.code === 2 && noTerminal);
      if (!accepted) broken.push(`${line}\n  exit ${r.code}: ${r.out.trim().split('\n').slice(0, 3).join(' | ')}`);
    }
    expect(broken).toEqual([]);
    const instancesAfter = existsSync('/etc/dirsrv') ? readdirSync('/etc/dirsrv').filter((d) => d.startsWith('slapd-')) : [];
    expect(instancesAfter).toEqual(instancesBefore);
  }, 300_000);
});
