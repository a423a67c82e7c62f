/** Messages a person reads, each with its exact text: no duplication, no Node internals, the right exit code. */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptFile, formatKeyId, generateKeyPair } from '../../../src/crypto/index.ts';
import { nextHint } from '../../../src/engine/next-hint.ts';
import type { Playbook } from '../../../src/playbook/types.ts';
import { hostMessage } from '../../../src/report/format.ts';
import { summaryLines } from '../../../src/report/summary.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/lifeboat.js');

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-messages-'));
});

describe('host names are said once', () => {
  it('a warning about a host does not repeat the host', () => {
    expect(hostMessage('ds1', 'cannot connect: connect ECONNREFUSED 127.0.0.1:2222')).toBe('ds1: cannot connect: connect ECONNREFUSED 127.0.0.1:2222');
    expect(hostMessage('ds1', 'ds1: cannot connect')).toBe('ds1: cannot connect');
    expect(hostMessage('ds4', 'ds4 is unreachable; fenced on the operator\'s word that it is stopped')).toBe(
      "ds4 is unreachable; fenced on the operator's word that it is stopped",
    );
    expect(hostMessage('ds1', 'ds10 answered')).toBe('ds1: ds10 answered');
  });
});

describe('the summary after a failed run', () => {
  it('Next: says what to do without repeating the error printed on the line above', () => {
    const pb = { steps: [{ name: 'Check' }, { name: 'Disable every agreement' }] } as unknown as Playbook;
    const error = 'step 2 "Disable every agreement" on ds2: ldapmodify: bind failed (exit 49)';
    const failed = { step: 1, host: 'ds2', error };
    const next = nextHint('failed', 'r1', '.lifeboat', failed, pb);
    expect(next).toBe('fix what failed in step 2 "Disable every agreement" on ds2, then run: lifeboat resume r1 (completed work is not repeated)');
    const lines = summaryLines({ runId: 'r1', runDir: '/s/r1', status: 'failed', exitCode: 1, failed, next }, 1600);
    expect(lines).toEqual([
      'Run r1 failed in 1.6s.',
      `Failed: ${error}`,
      'Journal: /s/r1',
      'Next: fix what failed in step 2 "Disable every agreement" on ds2, then run: lifeboat resume r1 (completed work is not repeated)',
    ]);
    expect(lines.join('\n').split('bind failed')).toHaveLength(2);
  });
});

describe('the summary after an interrupted run', () => {
  it('never claims changes were put back when none had an undo (server-loss: the instance was created)', () => {
    const pb = { steps: [{ name: 'Check' }, { name: 'Recreate the instance' }] } as unknown as Playbook;
    expect(nextHint('interrupted', 'r1', '.lifeboat', undefined, pb, { undone: 0, failedUndo: 0 })).toBe(
      'the run was interrupted; no completed change has an undo, so nothing was put back; to continue from where it stopped run: lifeboat resume r1',
    );
    expect(nextHint('interrupted', 'r1', '.lifeboat', undefined, pb, { undone: 2, failedUndo: 1 })).toBe(
      'the run was interrupted; 2 completed change(s) were put back; 1 undo(s) FAILED (see the warnings above): check those hosts; to continue from where it stopped run: lifeboat resume r1',
    );
  });
});

describe('secret files others can read', () => {
  it('warn as Lifeboat, not with Node\'s (node:PID) … --trace-warnings text', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'not-shown\n');
    chmodSync(file, 0o640);
    const script = `const m = await import(${JSON.stringify(join(ROOT, 'src/inventory/resolve-secret.ts'))}); await m.resolveSecret({ file: ${JSON.stringify(file)} }, 'secret token');`;
    const r = await node(['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: secret token: ${file} is readable by its group (mode 0640); run chmod 600 ${file}\n`);
  });
});

describe('backup keys', () => {
  const passFile = () => {
    const f = join(dir, 'pass');
    writeFileSync(f, 'correct horse battery\n', { mode: 0o600 });
    return f;
  };

  it('resume and report of a run that is not there say the same thing: where they looked, and the command that lists the runs', async () => {
    const state = join(dir, 'no-runs-state');
    const resume = await node([BIN, 'resume', '20261122-120001-zzzz', '--state-dir', state]);
    const report = await node([BIN, 'report', '20261122-120001-zzzz', '--state-dir', state]);
    const want = `no run 20261122-120001-zzzz in ${join(state, 'runs')}: \`lifeboat runs --state-dir ${state}\` lists the runs there\n`;
    expect([resume.code, resume.stderr]).toEqual([2, want]);
    expect([report.code, report.stderr]).toEqual([2, want]);
  }, 60_000);

  it('keys generate prints the command that uses the public key', async () => {
    const out = join(dir, 'keys-hint');
    const r = await node([BIN, 'keys', 'generate', '--out', out, '--passphrase-file', passFile()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`public key  ${join(out, 'lifeboat-backup.pub.asc')}  (encrypt backups for it: lifeboat run backup -i INV -e recipient_key=FILE)`);
  }, 60_000);

  it('keys generate a second time says the key exists (exit 2), not a raw EEXIST', async () => {
    const out = join(dir, 'keys');
    const first = await node([BIN, 'keys', 'generate', '--out', out, '--name', 'backup', '--passphrase-file', passFile()]);
    expect(first.code).toBe(0);
    const second = await node([BIN, 'keys', 'generate', '--out', out, '--name', 'backup', '--passphrase-file', passFile()]);
    expect(second.code).toBe(2);
    const files = ['pub', 'sec', 'rev'].map((k) => join(out, `backup.${k}.asc`)).join(', ');
    expect(second.stderr).toBe(
      `${files} already exist: keys generate never overwrites a key (backups encrypted for it would become unreadable); choose another --out or --name\n`,
    );
  }, 60_000);

  it('decrypting with the wrong key exits 2 and compares key ids with key ids', async () => {
    const pass = 'correct horse battery';
    const a = await generateKeyPair({ name: 'a', passphrase: pass, outDir: join(dir, 'ka') });
    const b = await generateKeyPair({ name: 'b', passphrase: pass, outDir: join(dir, 'kb') });
    const clear = join(dir, 'clear.bin');
    writeFileSync(clear, 'backup payload');
    const enc = join(dir, 'payload.gpg');
    await encryptFile(clear, enc, { recipientKeyFile: a.publicKeyFile });
    const encKeyId = (await openpgp.readKey({ armoredKey: readFileSync(a.publicKeyFile, 'utf8') })).subkeys[0]!.getKeyID().toHex();
    const bKey = await openpgp.readKey({ armoredKey: readFileSync(b.privateKeyFile, 'utf8') });
    const bIds = bKey.getKeyIDs().map((id) => formatKeyId(id.toHex()));
    const r = await node([BIN, 'backup', 'decrypt', enc, '--key', b.privateKeyFile, '--out', join(dir, 'out.bin')], { LIFEBOAT_BACKUP_PASSPHRASE: pass });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `backup was encrypted for key id ${formatKeyId(encKeyId)}; the given key ${b.privateKeyFile} has key ids ${bIds.join(', ')} (none matches; its fingerprint is ${b.fingerprint})\n`,
    );
    const wrongPass = await node([BIN, 'backup', 'decrypt', enc, '--key', a.privateKeyFile, '--out', join(dir, 'out.bin')], { LIFEBOAT_BACKUP_PASSPHRASE: 'nope' });
    expect(wrongPass.code).toBe(2);
  }, 60_000);
});
