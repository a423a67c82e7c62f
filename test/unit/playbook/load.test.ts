import { describe, expect, it } from 'vitest';
import { loadPlaybook, parsePlaybook } from '../../../src/playbook/index.ts';
import { InputErrors } from '../../../src/util/errors.ts';
import { errorLines, tempDir } from '../inventory/temp-files.ts';

const tmp = tempDir();

const DATA_LOSS = `name: data-loss
description: Restore one master and re-initialize the others from it
params:
  master: { required: true, description: host whose backup is restored }
  backup: { required: true }
  fence: { default: false }
  hosts_to_skip: { type: list, required: false }
steps:
  - name: Disable every agreement
    on: all
    do: replication.disable
    with: { suffixes: all }
    concurrency: 4
    order: inventory
    timeout: 5m
    retries: 2
    delay: 500ms
    when: "not fence"
    confirm: "Restore {{ master }} from {{ backup }}?"
    undo: { do: replication.enable, with: { suffixes: all } }
    on_error: continue
    register: disabled
  - name: Re-initialize the others
    on: "all:!{{ master }}"
    do: replication.reinit
    order: topology
    from: "{{ master }}"
    confirm: true
`;

describe('loadPlaybook', () => {
  it('fills every Step field, with defaults', async () => {
    const file = tmp.write('data-loss.yaml', DATA_LOSS);
    const pb = await loadPlaybook(file);
    expect(pb.file).toBe(file);
    expect(pb.name).toBe('data-loss');
    expect(pb.description).toBe('Restore one master and re-initialize the others from it');
    expect(pb.params).toEqual({
      master: { required: true, secret: false, description: 'host whose backup is restored' },
      backup: { required: true, secret: false },
      fence: { required: false, secret: false, default: false },
      hosts_to_skip: { required: false, secret: false, type: 'list' },
    });
    const [first, second] = pb.steps;
    expect({ ...first, locs: undefined }).toEqual({
      index: 0,
      name: 'Disable every agreement',
      on: 'all',
      do: 'replication.disable',
      with: { suffixes: 'all' },
      concurrency: 4,
      order: 'inventory',
      timeoutMs: 300_000,
      retries: 2,
      delayMs: 500,
      when: 'not fence',
      confirm: 'Restore {{ master }} from {{ backup }}?',
      undo: { do: 'replication.enable', with: { suffixes: 'all' } },
      onError: 'continue',
      register: 'disabled',
      loc: { file, line: 9, col: 5 },
      locs: undefined,
    });
    expect({ ...second, locs: undefined }).toEqual({
      index: 1,
      name: 'Re-initialize the others',
      on: 'all:!{{ master }}',
      do: 'replication.reinit',
      with: {},
      order: 'topology',
      from: '{{ master }}',
      retries: 0,
      delayMs: 5000,
      confirm: true,
      onError: 'stop',
      loc: { file, line: 23, col: 5 },
      locs: undefined,
    });
  });

  it('keeps the location of every field, argument and param', async () => {
    const file = tmp.write('locs.yaml', DATA_LOSS);
    const pb = await loadPlaybook(file);
    const at = (l: { line: number; col: number } | undefined) => (l ? `${l.line}:${l.col}` : undefined);
    const locs = pb.steps[0]!.locs!;
    expect(at(locs.on)).toBe('10:9');
    expect(at(locs.do)).toBe('11:9');
    expect(at(locs['with.suffixes'])).toBe('12:13');
    expect(at(locs['undo.do'])).toBe('20:17');
    expect(at(locs['undo.with.suffixes'])).toBe('20:45');
    expect(at(pb.locs!['params.backup'])).toBe('5:3');
    expect(at(pb.locs!.params)).toBe('3:1');
  });

  it('reports every shape problem at once with file:line:col', async () => {
    const file = tmp.write(
      'bad.yaml',
      [
        'name: broken',
        'parms: {}',
        'params:',
        '  master: { requird: true }',
        '  backup: { required: yes-please, type: path }',
        'steps:',
        '  - name: one',
        '    on: "{{ master "',
        '    do: shell',
        '    concurrency: 0',
        '    order: random',
        '    timeout: soon',
        '    retries: -1',
        '    when: "master = 1"',
        '    on_error: ignore',
        '    register: my-output',
        '    undo: { with: {} }',
        '    with: { command: "echo {{ x | nope }}" }',
        '  - name: two',
        '    do: shell',
        '    order: topology',
        '  - just a string',
        '  - { on: all, do: shell, nmae: x }',
        '',
      ].join('\n'),
    );
    const err = await loadPlaybook(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputErrors);
    expect(await errorLines(() => loadPlaybook(file))).toEqual([
      `${file}:2:1: unknown key "parms" in the playbook (did you mean "params"?)`,
      `${file}:4:13: unknown key "requird" in param master (did you mean "required"?)`,
      `${file}:5:23: param backup: required must be true or false, got a string ("yes-please")`,
      `${file}:5:41: param backup: type must be one of string, number, boolean, list, host, got "path"`,
      `${file}:8:9: step 1 (one): on: "{{" without a closing "}}" in "{{ master "`,
      `${file}:10:18: step 1 (one): concurrency must be a whole number from 1 to 1000, got a number (0)`,
      `${file}:11:12: step 1 (one): order must be inventory or topology, got "random"`,
      `${file}:12:14: step 1 (one): timeout must be a duration such as 30s, 5m, 500ms or a number of milliseconds (from 100ms to 24h), got a string ("soon")`,
      `${file}:13:14: step 1 (one): retries must be a whole number from 0 to 100, got a number (-1)`,
      `${file}:14:11: step 1 (one): when: unexpected "=" in "master = 1"`,
      `${file}:15:15: step 1 (one): on_error must be stop or continue, got "ignore"`,
      `${file}:16:15: step 1 (one): register must be letters, digits and _ (it is used in templates), got "my-output"`,
      `${file}:17:11: step 1 (one): undo has no "do" (the action that puts things back)`,
      `${file}:18:22: step 1 (one): with.command: unknown filter "nope" in "echo {{ x | nope }}"; filters: default, join, json, lower, upper, length, first, last, int, string, bool, split`,
      `${file}:19:5: step 2 (two) has no "on" (which hosts it runs on, e.g. all, role:ca, "{{ master }}")`,
      `${file}:21:5: step 2 (two): order: topology needs "from" (the host the waves start from, e.g. "{{ master }}")`,
      `${file}:22:5: step 3 must be a map, got a string ("just a string")`,
      `${file}:23:5: step 4 has no "name"`,
      `${file}:23:27: unknown key "nmae" in step 4 (did you mean "name"?)`,
    ]);
  });

  it('points Ansible habits at the Lifeboat key', () => {
    expect(errorMessages(() => parsePlaybook('p.yaml', 'name: x\nsteps:\n  - { name: a, hosts: all, do: shell, ignore_errors: true }\n'))).toEqual([
      'p.yaml:3:5: step 1 (a) has no "on" (which hosts it runs on, e.g. all, role:ca, "{{ master }}")',
      'p.yaml:3:16: unknown key "hosts" in step 1 (did you mean "on"?)',
      'p.yaml:3:39: unknown key "ignore_errors" in step 1 (did you mean "on_error: continue"?)',
    ]);
  });

  it('reports YAML syntax errors and missing top-level parts', () => {
    expect(errorMessages(() => parsePlaybook('p.yaml', 'name: x\nsteps:\n  - name: a\n   on: all\n'))).toEqual([
      'p.yaml:4:1: YAML syntax: Sequence item without - indicator',
    ]);
    expect(errorMessages(() => parsePlaybook('p.yaml', 'description: nothing\n'))).toEqual([
      'p.yaml:1:1: the playbook has no "name"',
      'p.yaml:1:1: the playbook has no "steps"',
    ]);
    expect(errorMessages(() => parsePlaybook('p.yaml', 'name: x\nsteps:\n'))).toEqual(['p.yaml:2:1: steps is empty']);
  });
});

function errorMessages(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    return ((err as InputErrors).errors ?? [err]).map((e) => (e as Error).message);
  }
  throw new Error('expected an error');
}
