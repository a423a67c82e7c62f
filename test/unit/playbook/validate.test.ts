import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions/types.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { parsePlaybook, resolveParams } from '../../../src/playbook/index.ts';
import { playbookVars, validatePlaybook } from '../../../src/engine/validate-playbook.ts';
import { InputErrors } from '../../../src/util/errors.ts';
import { forgetSecretsForTests, mask } from '../../../src/util/secrets.ts';
import { errorLines, tempDir } from '../inventory/temp-files.ts';

const tmp = tempDir();
const inv = await loadInventory(
  tmp.write(
    'inv.yaml',
    `vars: { instance: EXAMPLE }
hosts:
  ds1: { address: 10.0.0.1, roles: [ca] }
  ds2: { address: 10.0.0.2, roles: [ca] }
  ds3: { address: 10.0.0.3 }
groups: { dc1: [ds1, ds2] }
`,
  ),
);

function action(name: string, args: Action['args']): [string, Action] {
  return [name, { name, description: name, args, plan: () => [], run: async () => ({ changed: false }) }];
}

const actions = new Map<string, Action>([
  action('replication.disable', { suffixes: { type: 'any', required: true, description: 'which suffixes' } }),
  action('replication.enable', { suffixes: { type: 'any', default: 'all', description: 'which suffixes' } }),
  action('shell', {
    command: { type: 'string', required: true, description: 'command line' },
    expect: { type: 'string[]', description: 'expected exit codes' },
    timeout: { type: 'number', description: 'seconds' },
    quiet: { type: 'boolean', description: 'no output' },
    env: { type: 'object', description: 'environment' },
  }),
]);

const GOOD = `name: good
params:
  master: { required: true }
  fence: { default: false }
  count: { default: 2 }
  list: { type: list, default: [] }
steps:
  - name: disable
    on: "all:!{{ master }}"
    do: replication.disable
    with: { suffixes: all }
    undo: { do: replication.enable }
    register: disabled
  - name: run
    on: "{{ master }}"
    do: shell
    order: topology
    from: "{{ master }}"
    when: "not fence and disabled and host is defined"
    with: { command: "echo {{ instance }} {{ disabled | json }}", expect: ["0", "{{ count }}"], timeout: "{{ count }}", env: { A: 1 } }
`;

describe('validatePlaybook', () => {
  it('accepts a valid playbook, params given as -e text', () => {
    const pb = parsePlaybook('good.yaml', GOOD);
    expect(() => validatePlaybook(pb, inv, { master: 'ds1', fence: 'no' }, actions)).not.toThrow();
  });

  it('a required param left out is reported once, not again at every step that uses it', () => {
    const pb = parsePlaybook('p.yaml', ['name: p', 'params:', '  master: { required: true }', 'steps:', '  - name: one', '    on: "{{ master }}"', '    do: shell', '    with: { command: "echo {{ master }}" }', ''].join('\n'));
    let thrown: unknown;
    try {
      validatePlaybook(pb, inv, {}, actions);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as InputErrors).errors.map((e) => e.message)).toEqual(['p.yaml:3:3: missing required param "master" (give it with -e master=…)']);
  });

  it('reports every problem with file:line:col, in file order', () => {
    const pb = parsePlaybook(
      'bad.yaml',
      [
        'name: bad',
        'params:',
        '  master: { required: true }',
        '  fence: { default: false }',
        'steps:',
        '  - name: one',
        '    on: "role:ca:!{{ master }}"',
        '    do: replication.disabel',
        '  - name: two',
        '    on: dc11',
        '    do: shell',
        '    with: { comand: ls, expect: 0, quiet: "yes", env: [1], timeout: "{{ later }}" }',
        '    when: "not fance"',
        '    confirm: "Really {{ mastr }}?"',
        '    undo: { do: replication.enable, with: { suffix: all } }',
        '  - name: three',
        '    on: "{{ master }}"',
        '    do: shell',
        '    order: topology',
        '    from: ds9',
        '    with: { command: "{{ out.stdout }}" }',
        '    register: later',
        '  - name: four',
        '    on: "role:cq"',
        '    do: shell',
        '    with: { command: "{{ x }}" }',
        '',
      ].join('\n'),
    );
    let thrown: unknown;
    try {
      validatePlaybook(pb, inv, { master: 'ds9', fnce: 'true' }, actions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InputErrors);
    expect((thrown as InputErrors).errors.map((e) => e.message)).toEqual([
      'bad.yaml:2:1: unknown param "fnce" given with -e (did you mean "fence"?); this playbook takes: master, fence',
      'bad.yaml:7:9: step 1 (one): on: host selector "role:ca:!ds9": unknown host or group "ds9" (did you mean "ds1"?)',
      'bad.yaml:8:9: step 1 (one): unknown action "replication.disabel" (did you mean "replication.disable"?)',
      'bad.yaml:10:9: step 2 (two): on: host selector "dc11": unknown host or group "dc11" (did you mean "dc1"?)',
      'bad.yaml:12:11: step 2 (two): shell needs argument "command" (command line)',
      'bad.yaml:12:13: step 2 (two): shell has no argument "comand" (did you mean "command"?); it takes: command, expect, timeout, quiet, env',
      'bad.yaml:12:25: step 2 (two): shell argument "expect" must be a list of strings, got number 0',
      'bad.yaml:12:36: step 2 (two): shell argument "quiet" must be true or false, got string "yes"',
      'bad.yaml:12:50: step 2 (two): shell argument "env" must be a map, got a list',
      'bad.yaml:12:60: step 2 (two): "later" is registered by a later step (3), not yet set here',
      'bad.yaml:13:11: step 2 (two): unknown variable "fance" (did you mean "fence"?)',
      'bad.yaml:14:14: step 2 (two): unknown variable "mastr" (did you mean "master"?)',
      "bad.yaml:14:14: step 2 (two): confirm comes after step 1 (one) changed hosts, so the cluster would wait half-changed on a person; move the question to the playbook's top-level confirm (asked once before anything changes), or say why it must wait with confirm_after_change_reason:",
      'bad.yaml:15:45: step 2 (two): replication.enable has no argument "suffix" (did you mean "suffixes"?); it takes: suffixes',
      'bad.yaml:17:9: step 3 (three): on: host selector "ds9": unknown host or group "ds9" (did you mean "ds1"?)',
      'bad.yaml:20:11: step 3 (three): from: unknown host "ds9" (did you mean "ds1"?)',
      'bad.yaml:21:13: step 3 (three): unknown variable "out"',
      'bad.yaml:24:9: step 4 (four): on: host selector "role:cq": unknown role "cq" (did you mean "ca"?); known roles: ca, kra, dns, hidden, renewal (or x-<name> for your own)',
      'bad.yaml:26:13: step 4 (four): unknown variable "x"',
    ]);
  });

  it('reports missing required params at their definition', () => {
    const pb = parsePlaybook('p.yaml', GOOD);
    expect(() => validatePlaybook(pb, inv, {}, actions)).toThrow('p.yaml:3:3: missing required param "master" (give it with -e master=…)');
  });

  it('accepts names the engine sets at run time when told about them', () => {
    const pb = parsePlaybook('rt.yaml', 'name: rt\nsteps:\n  - { name: a, on: all, do: shell, with: { command: "echo {{ agreements }}" } }\n');
    expect(() => validatePlaybook(pb, inv, {}, actions)).toThrow('rt.yaml:3:44: step 1 (a): unknown variable "agreements"');
    expect(() => validatePlaybook(pb, inv, {}, actions, { runtimeNames: ['agreements'] })).not.toThrow();
  });
});

describe('resolveParams and playbookVars', () => {
  it('applies defaults and reads -e text as the param type', () => {
    const pb = parsePlaybook('p.yaml', GOOD);
    expect(resolveParams(pb, { master: 'ds2', fence: 'true', count: '5', list: 'a, b,' })).toEqual({ master: 'ds2', fence: true, count: 5, list: ['a', 'b'] });
    expect(resolveParams(pb, { master: 'ds2' })).toEqual({ master: 'ds2', fence: false, count: 2, list: [] });
  });

  it('rejects text that is not of the param type', async () => {
    const pb = parsePlaybook('p.yaml', GOOD);
    expect(await errorLines(() => resolveParams(pb, { master: 'ds2', fence: 'maybe', count: 'many' }))).toEqual([
      'p.yaml:4:3: param fence must be true or false, got "maybe"',
      'p.yaml:5:3: param count must be a number, got "many"',
    ]);
  });

  it('registers secret params for masking', () => {
    forgetSecretsForTests();
    const pb = parsePlaybook('s.yaml', 'name: s\nparams:\n  passphrase: { secret: true }\nsteps:\n  - { name: a, on: all, do: shell }\n');
    resolveParams(pb, { passphrase: 'open-sesame' });
    expect(mask('gpg --passphrase open-sesame')).toBe('gpg --passphrase ***');
    forgetSecretsForTests();
  });

  it('gives templates inventory vars, an inventory summary, and params on top', () => {
    const vars = playbookVars(inv, { instance: 'OVERRIDE', master: 'ds1' });
    expect(vars).toEqual({
      instance: 'OVERRIDE',
      master: 'ds1',
      inventory: { cluster: 'inv', profile: '389ds', hosts: ['ds1', 'ds2', 'ds3'], groups: { dc1: ['ds1', 'ds2'] } },
    });
  });
});

describe('profiles', () => {
  it('refuses an action that does not serve the inventory profile, at the step that names it', async () => {
    const ktInv = await loadInventory(tmp.write('kt.yaml', `profile: keytrustee\nhosts:\n  kt1: { address: 10.0.0.9 }\n`));
    const only389: [string, Action] = ['replication.disable', { ...actions.get('replication.disable')!, profiles: ['389ds', 'ipa'] }];
    const known = new Map([...actions, only389]);
    const pb = parsePlaybook('kt-playbook.yaml', `name: kt
steps:
  - name: check
    on: all
    do: shell
    with: { command: "true" }
  - name: disable
    on: all
    do: replication.disable
    with: { suffixes: all }
`);
    let err: unknown;
    try {
      validatePlaybook(pb, ktInv, {}, known);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputErrors);
    const lines = (err as InputErrors).errors.map((e) => e.message);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kt-playbook\.yaml:9:\d+: step 2 \(disable\): replication\.disable is not available for profile "keytrustee" .*it works on: 389ds, ipa$/);
    // The same playbook is fine on a 389ds inventory.
    expect(() => validatePlaybook(pb, inv, {}, known)).not.toThrow();
  });
});
