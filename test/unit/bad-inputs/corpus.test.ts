/**
 * The bad-input corpus: every file in test/fixtures/bad-inputs/ is one thing a new user might feed
 * Lifeboat (malformed or hostile YAML, wrong types and ranges, unknown names, traversal names,
 * secrets, broken and foreign backups, wrong keys). Each runs through the real CLI against two
 * in-process SSH servers and must give the documented exit code, a clear message (with
 * file:line:col where a file is involved), no stack trace, nothing written and no command on a host.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';
import { writeHeader } from '../../../src/backup/index.ts';
import { sha256File } from '../../../src/backup/index.ts';
import { generateKeyPair } from '../../../src/crypto/index.ts';
import { knownHostsLine } from '../../../src/transport/known-hosts-format.ts';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { fakeIO } from '../cli/fake-io.ts';
import { sampleHeader } from '../backup/sample-header.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/bad-inputs');

interface Case {
  why: string;
  command?: 'plan' | 'run' | 'inventory-check';
  inventory?: string;
  playbook?: string;
  /** The playbook argument as typed, instead of the case's playbook file. */
  playbookArg?: string;
  extra?: string[];
  env?: Record<string, string | null>;
  /** A backup in the store for `-e backup=@BACKUP@`: header fields to change, or a way to break it. */
  backup?: { header?: Record<string, unknown>; break?: 'header-json' | 'payload' | 'missing' | 'no-payload'; wrongKey?: boolean };
  knownHosts?: 'changed' | 'empty';
  expect: { exit: number; message: string; located?: boolean; not?: string };
}

const BASE_INVENTORY = `cluster: corpus
profile: 389ds
ssh:
  user: root
  identity_file: @KEY@
  known_hosts: @KH@
  use_agent: false
  connect_retries: 0
  connect_timeout: 5s
vars:
  instance: lab
  suffixes: ["dc=lab,dc=test"]
secrets:
  dm_password: { env: CORPUS_DM }
  repl_password: { env: CORPUS_REPL }
hosts:
  ds1:
    address: 127.0.0.1
    roles: [ca]
    vars: { replica_id: 1 }
    ssh: { port: @P1@ }
  ds2:
    address: 127.0.0.1
    roles: [hidden, ca]
    vars: { replica_id: 2 }
    ssh: { port: @P2@ }
`;

const BASE_PLAYBOOK = `name: corpus
steps:
  - name: touch
    on: all
    do: shell
    with: { command: "echo corpus-ran" }
`;

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
let servers: TestSshServer[];
let root: string;
let key: { publicKeyFile: string; fingerprint: string };

beforeAll(async () => {
  const clientKey = generateEd25519();
  servers = await Promise.all([startTestSshServer({ clientKey }), startTestSshServer({ clientKey })]);
  root = mkdtempSync(join(tmpdir(), 'lifeboat-corpus-'));
  process.env.CORPUS_DM = 'corpus-dm-password';
  process.env.CORPUS_REPL = 'corpus-repl-password';
  mkdirSync(join(root, 'keys'));
  process.env.LIFEBOAT_BACKUP_PASSPHRASE = 'corpus-key-passphrase';
  key = await generateKeyPair({ name: 'corpus', passphrase: 'corpus-key-passphrase', outDir: join(root, 'keys') });
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

/** Writes the case's files into its own directory; returns the argv and the paths to watch. */
async function prepare(name: string, c: Case) {
  const dir = join(root, name.replace(/\.yaml$/, ''));
  mkdirSync(dir);
  const kh = join(dir, 'known_hosts');
  const other = generateEd25519();
  const line = (s: TestSshServer, i: number) => (c.knownHosts === 'changed' && i === 1 ? knownHostsLine('127.0.0.1', s.port, other.public) : s.hostPublicKeyLine());
  writeFileSync(kh, c.knownHosts === 'empty' ? '' : servers.map(line).join('\n') + '\n');
  let backupDir = join(dir, 'backups', 'corpus', 'lifeboat-data-2026-11-22-04-05-06');
  if (c.backup) {
    if (c.backup.break === 'missing') backupDir = join(dir, 'backups', 'corpus', 'no-such-backup');
    else {
      mkdirSync(backupDir, { recursive: true });
      const payload = c.backup.wrongKey ? 'payload.tar.gpg' : 'payload.tar';
      writeFileSync(join(backupDir, payload), 'corpus payload bytes\n');
      const sum = await sha256File(join(backupDir, payload));
      const header = sampleHeader({
        cluster: 'corpus', host: 'ds1', hostname: 'ds1', instance: 'lab',
        payload: { file: payload, size: sum.size, sha256: sum.sha256 },
        archive: { size: sum.size, sha256: sum.sha256 },
        ...(c.backup.wrongKey ? { encrypted: true, recipientFingerprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' } : {}),
        ...(c.backup.header ?? {}),
      } as Parameters<typeof sampleHeader>[0]);
      await writeHeader(backupDir, header);
      if (c.backup.break === 'header-json') writeFileSync(join(backupDir, 'header.json'), '{ "format": "lifeboat-backup", ');
      if (c.backup.break === 'payload') writeFileSync(join(backupDir, 'payload.tar'), 'corpus payload bytes, altered\n');
      if (c.backup.break === 'no-payload') rmSync(join(backupDir, 'payload.tar'));
    }
  }
  const fill = (text: string) =>
    text
      .replaceAll('@KEY@', servers[0]!.clientKeyPath)
      .replaceAll('@KH@', kh)
      .replaceAll('@P1@', String(servers[0]!.port))
      .replaceAll('@P2@', String(servers[1]!.port))
      .replaceAll('@BACKUP@', backupDir)
      .replaceAll('@PUBKEY@', key.publicKeyFile)
      .replaceAll('@DIR@', dir);
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, fill(c.inventory ?? BASE_INVENTORY));
  const file = join(dir, 'playbook.yaml');
  writeFileSync(file, fill(c.playbook ?? BASE_PLAYBOOK));
  const playbook = c.playbookArg ?? file;
  const stateDir = join(dir, 'state');
  const extra = (c.extra ?? []).map(fill);
  const command = c.command ?? 'plan';
  const argv =
    command === 'inventory-check'
      ? ['inventory', 'check', '-i', inventory, ...extra]
      : command === 'run'
        ? ['run', playbook, '-i', inventory, '--yes', '--plain', '--state-dir', stateDir, ...extra]
        : ['plan', playbook, '-i', inventory, ...extra];
  return { dir, argv, stateDir, backupDir };
}

/** Every file under `dir`, with its content: what "nothing changed" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

describe('bad-input corpus', () => {
  it('has at least 60 cases', () => expect(files.length).toBeGreaterThanOrEqual(60));

  it.each(files)('%s', async (name) => {
    const c = parse(readFileSync(join(FIXTURES, name), 'utf8')) as Case;
    const { dir, argv, stateDir } = await prepare(name, c);
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(c.env ?? {})) {
      saved[k] = process.env[k];
      if (v === null) delete process.env[k];
      else process.env[k] = v;
    }
    const before = snapshot(dir);
    const commandsBefore = servers.map((s) => s.commands.length);
    const io = fakeIO();
    let code: number;
    try {
      code = await runCli(['node', 'lifeboat', ...argv], io);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const err = io.err();
    expect(code, `${c.why}\nstderr:\n${err}\nstdout:\n${io.out()}`).toBe(c.expect.exit);
    // Bad input is reported on stderr; a run that failed (exit 1) says why in its report on stdout.
    expect(c.expect.exit === 2 ? err : err + io.out(), c.why).toMatch(new RegExp(c.expect.message));
    if (c.expect.not) expect(err + io.out()).not.toMatch(new RegExp(c.expect.not));
    if (c.expect.located) expect(err, `${c.why}: a file:line:col location`).toMatch(/\.yaml:\d+:\d+: /);
    // No stack trace, ever.
    expect(err).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    // Nothing changed: no command on either host, no file written or altered (no run directory).
    expect(servers.map((s) => s.commands.length), 'commands on the hosts').toEqual(commandsBefore);
    const after = snapshot(dir);
    const runs = existsSync(join(stateDir, 'runs')) ? readdirSync(join(stateDir, 'runs')) : [];
    if (c.expect.exit === 2) expect(runs, 'a run directory').toEqual([]);
    for (const f of Object.keys(before)) expect(after[f], `${f} unchanged`).toBe(before[f]);
    const added = Object.keys(after).filter((f) => !(f in before) && !f.startsWith(join(stateDir, 'runs')));
    expect(added, 'files written').toEqual([]);
  }, 30_000);
});
