/**
 * The shipped CLI is the compiled one: bin/lifeboat.js runs dist/, without tsx. This test builds the
 * sources with the project's own build config into a scratch package tree (so it never depends on,
 * or overwrites, the checkout's dist/) and runs that tree's bin the way a user would.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptFile, generateKeyPair } from '../../../src/crypto/index.ts';
import { writeRandomFile } from '../crypto/gpg.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
let pkg: string;

/** Prints every module file Node loads to stderr as "LOAD <url>", so the test sees what a command pulled in. */
const TRACE_LOADS =
  'data:text/javascript,' +
  encodeURIComponent(
    `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { if (u.startsWith("file:")) process.stderr.write("LOAD " + u + "\\\\n"); return n(u, c); }'));`,
  );

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const env = { ...process.env };
  delete env.LIFEBOAT_FROM_SOURCE;
  return spawnSync(process.execPath, ['--import', TRACE_LOADS, join(pkg, 'bin/lifeboat.js'), ...args], {
    cwd: pkg,
    env: { ...env, LIFEBOAT_DM_PASSWORD: 'compiled-test-secret', ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const loaded = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('LOAD ')).map((l) => l.slice(5));

beforeAll(() => {
  pkg = mkdtempSync(join(tmpdir(), 'lifeboat-compiled-'));
  mkdirSync(join(pkg, 'bin'));
  copyFileSync(join(ROOT, 'bin/lifeboat.js'), join(pkg, 'bin/lifeboat.js'));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  for (const d of ['node_modules', 'playbooks', 'inventories']) symlinkSync(join(ROOT, d), join(pkg, d));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
    encoding: 'utf8',
  });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 180_000);

afterAll(() => rmSync(pkg, { recursive: true, force: true }));

describe('the compiled CLI (dist/)', () => {
  it('--help lists every command and loads neither tsx, ink, react, ssh2, openpgp nor the engine', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['run', 'plan', 'resume', 'runs', 'inventory', 'lab', 'backup', 'keys', 'rehearse']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const files = loaded(r.stderr);
    expect(files.some((f) => f.includes('/dist/cli/main.js'))).toBe(true);
    expect(files.filter((f) => /\/src\/|\.ts$/.test(f))).toEqual([]);
    expect(files.filter((f) => /node_modules\/(tsx|esbuild|ink|ink-spinner|react|ssh2|openpgp)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\/dist\/(engine|transport|lab\/up|crypto)\//.test(f))).toEqual([]);
  });

  it('plans a shipped playbook from dist/, secrets masked, with no live view, SSH or OpenPGP loaded', () => {
    const r = cli(['plan', 'server-loss', '-i', 'inventories/example-ipa.yaml', '-e', 'lost=ipa2', '-e', 'from=ipa1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Plan: server-loss\.yaml/);
    expect(r.stdout).not.toContain('compiled-test-secret');
    const files = loaded(r.stderr);
    expect(files.some((f) => f.includes('/dist/engine/'))).toBe(true);
    expect(files.filter((f) => /node_modules\/(tsx|ink|react|ssh2|openpgp|@dagrejs)\//.test(f))).toEqual([]);
  });

  it('decrypts from dist/ (on the main thread: openpgp from node_modules, no worker), and refuses a tampered payload', async () => {
    const dir = join(pkg, 'crypt');
    const key = await generateKeyPair({ name: 'Compiled', passphrase: 'pw-compiled', outDir: dir });
    writeRandomFile(join(dir, 'payload.tar'), 3 * 1024 * 1024 + 7);
    await encryptFile(join(dir, 'payload.tar'), join(dir, 'payload.gpg'), { recipientKeyFile: key.publicKeyFile });
    const env = { LIFEBOAT_BACKUP_PASSPHRASE: 'pw-compiled' };
    const ok = cli(['backup', 'decrypt', join(dir, 'payload.gpg'), '--key', key.privateKeyFile, '--out', join(dir, 'out.tar'), '--passphrase-env', 'LIFEBOAT_BACKUP_PASSPHRASE'], env);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.tar')).equals(readFileSync(join(dir, 'payload.tar')))).toBe(true);
    expect(loaded(ok.stderr).some((f) => f.endsWith('/dist/crypto/pgp-streams.js'))).toBe(true);
    expect(loaded(ok.stderr).some((f) => f.endsWith('/dist/crypto/pgp-worker.js'))).toBe(false);

    const bad = readFileSync(join(dir, 'payload.gpg'));
    bad[bad.length >> 1]! ^= 0x55;
    writeFileSync(join(dir, 'bad.gpg'), bad);
    const refused = cli(['backup', 'decrypt', join(dir, 'bad.gpg'), '--key', key.privateKeyFile, '--out', join(dir, 'bad.tar'), '--passphrase-env', 'LIFEBOAT_BACKUP_PASSPHRASE'], env);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/bad\.gpg is truncated or corrupt/);
    expect(existsSync(join(dir, 'bad.tar')) || existsSync(join(dir, 'bad.tar.part'))).toBe(false);
  }, 60_000);

  it('encrypts from dist/ on the compiled OpenPGP worker (dist/crypto/pgp-worker.js), and the CLI decrypts it back', async () => {
    const dir = join(pkg, 'crypt-w');
    const key = await generateKeyPair({ name: 'Compiled W', passphrase: 'pw-w', outDir: dir });
    writeRandomFile(join(dir, 'plain.tar'), 2 * 1024 * 1024 + 3);
    // A script file, not `node -e`: a worker inherits the parent's flags, and -e's flags stop it starting.
    writeFileSync(
      join(dir, 'enc.mjs'),
      `import { encryptFile } from ${JSON.stringify(join(pkg, 'dist/crypto/index.js'))};\n` +
        `await encryptFile(${JSON.stringify(join(dir, 'plain.tar'))}, ${JSON.stringify(join(dir, 'plain.gpg'))}, { recipientKeyFile: ${JSON.stringify(key.publicKeyFile)} });\n`,
    );
    const env = { ...process.env };
    delete env.LIFEBOAT_FROM_SOURCE;
    const enc = spawnSync(process.execPath, ['--import', TRACE_LOADS, join(dir, 'enc.mjs')], { env, encoding: 'utf8', timeout: 60_000 });
    expect(enc.status, enc.stderr).toBe(0);
    expect(loaded(enc.stderr).some((f) => f.endsWith('/dist/crypto/pgp-worker.js'))).toBe(true);
    expect(loaded(enc.stderr).filter((f) => /\/src\/|\.ts$|node_modules\/tsx\//.test(f))).toEqual([]);
    const dec = cli(['backup', 'decrypt', join(dir, 'plain.gpg'), '--key', key.privateKeyFile, '--out', join(dir, 'back.tar'), '--passphrase-env', 'LIFEBOAT_BACKUP_PASSPHRASE'], { LIFEBOAT_BACKUP_PASSPHRASE: 'pw-w' });
    expect(dec.status, dec.stderr).toBe(0);
    expect(readFileSync(join(dir, 'back.tar')).equals(readFileSync(join(dir, 'plain.tar')))).toBe(true);
  }, 60_000);
});
