import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectParam, exitCodeFor, reportError, resolvePlaybookArg } from '../../../src/cli/common.ts';
import { InputError, InputErrors, LockHeldError } from '../../../src/util/errors.ts';
import { forgetSecretsForTests, registerSecret } from '../../../src/util/secrets.ts';
import { sink } from '../report/fixtures.ts';

describe('-e key=value', () => {
  it('collects repeated values and keeps "=" inside the value', () => {
    const a = collectParam('master=ds1', undefined);
    expect(collectParam('filter=(uid=x)', a)).toEqual({ master: 'ds1', filter: '(uid=x)' });
  });
  it('rejects a value without a key', () => {
    expect(() => collectParam('novalue', {})).toThrow(/expects key=value/);
    expect(() => collectParam('=x', {})).toThrow(/expects key=value/);
  });
  it('never echoes the value of a malformed -e (a typo such as passphrase:VALUE)', () => {
    let message = '';
    try {
      collectParam('passphrase:hunter2-secret', {});
    } catch (e) {
      message = (e as Error).message;
      expect((e as Error).name).toBe('InputError');
    }
    expect(message).toMatch(/starting with "passphrase"/);
    expect(message).not.toContain('hunter2');
    expect(() => collectParam('s3cr3tvalue', {})).toThrow(/^(?!.*s3cr3t)/s);
  });
});

describe('playbook argument', () => {
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-cli-'));
  mkdirSync(join(root, 'playbooks', '389ds'), { recursive: true });
  writeFileSync(join(root, 'playbooks', '389ds', 'data-loss.yaml'), 'name: x\n');
  writeFileSync(join(root, 'local.yaml'), 'name: y\n');

  it('takes an existing path as is', () => {
    expect(resolvePlaybookArg('local.yaml', root, root)).toBe(join(root, 'local.yaml'));
  });
  it('resolves a bare name in the package playbooks/<profile>/ folder (389ds by default)', () => {
    expect(resolvePlaybookArg('data-loss', '/', root)).toBe(join(root, 'playbooks', '389ds', 'data-loss.yaml'));
  });
  it('names the shipped playbooks when nothing matches', () => {
    expect(() => resolvePlaybookArg('data-los', '/', root)).toThrow(/playbook not found: data-los \(did you mean "data-loss"\?\) \(shipped playbooks: data-loss\)/);
    expect(() => resolvePlaybookArg('zzz', '/', root)).toThrow(/playbook not found: zzz \(shipped playbooks: data-loss\)/);
    expect(() => resolvePlaybookArg('data-los', '/', root)).toThrow(InputError);
  });
});

describe('errors and exit codes', () => {
  afterEach(() => forgetSecretsForTests());

  it('maps error types to the documented exit codes', () => {
    expect(exitCodeFor(new InputError('x'))).toBe(2);
    expect(exitCodeFor(new InputErrors([new InputError('x')]))).toBe(2);
    expect(exitCodeFor(new LockHeldError('held'))).toBe(4);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });

  it('prints each input error as file:line:col: message', () => {
    const err = sink();
    const code = reportError(
      new InputErrors([
        new InputError('unknown action "shel"', { file: 'pb.yaml', line: 4, col: 9 }),
        new InputError('missing param master', { file: 'pb.yaml', line: 1, col: 1 }),
      ]),
      err.stream,
    );
    expect(code).toBe(2);
    expect(err.lines()).toEqual(['pb.yaml:4:9: unknown action "shel"', 'pb.yaml:1:1: missing param master']);
  });

  it('masks secrets in unexpected errors and hides the stack unless LIFEBOAT_DEBUG=1', () => {
    registerSecret('s3cr3t-pass');
    const err = sink();
    expect(reportError(new Error('bind failed with s3cr3t-pass'), err.stream)).toBe(1);
    expect(err.text()).toBe('error: bind failed with ***\n');
    const debug = sink();
    process.env.LIFEBOAT_DEBUG = '1';
    try {
      reportError(new Error('bind failed with s3cr3t-pass'), debug.stream);
    } finally {
      delete process.env.LIFEBOAT_DEBUG;
    }
    expect(debug.lines()[1]).toBe('Error: bind failed with ***');
    expect(debug.text()).toMatch(/\n\s+at /);
    expect(debug.text()).not.toContain('s3cr3t-pass');
  });
});
