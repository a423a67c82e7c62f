import { describe, expect, it } from 'vitest';
import { evalWhen, render, renderDeep, templateNames, whenNames } from '../../../src/playbook/index.ts';

const vars = {
  master: 'ds2',
  backup: '/var/backups/ds2.tar.gpg',
  fence: false,
  retries: 3,
  suffixes: ['dc=example,dc=com', 'o=ipaca'],
  host: { name: 'ds1', vars: { replica_id: 1 } },
  empty: [],
  nothing: null,
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('render', () => {
  it('substitutes names, dotted paths and indexes', () => {
    expect(render('Restore {{ master }} from {{backup}}?', vars)).toBe('Restore ds2 from /var/backups/ds2.tar.gpg?');
    expect(render('id {{ host.vars.replica_id }} / {{ suffixes[1] }} / {{ host["name"] }}', vars)).toBe('id 1 / o=ipaca / ds1');
    expect(render('no template here', vars)).toBe('no template here');
    expect(render('{{ fence }} {{ retries }} {{ nothing }}.', vars)).toBe('false 3 .');
  });

  it('writes literal braces through a string literal', () => {
    expect(render("docker ps --format '{{ '{{' }}.Names{{ '}}' }}'", vars)).toBe("docker ps --format '{{.Names}}'");
  });

  it('applies filters', () => {
    expect(render("{{ suffixes | join(';') }}", vars)).toBe('dc=example,dc=com;o=ipaca');
    expect(render('{{ suffixes | join }}', vars)).toBe('dc=example,dc=com,o=ipaca');
    expect(render('{{ missing | default("none") }}', vars)).toBe('none');
    expect(render('{{ nothing | default(7) }}', vars)).toBe('7');
    expect(render('{{ host.vars.nope | default(master) }}', vars)).toBe('ds2');
    expect(render('{{ suffixes | json }}', vars)).toBe('["dc=example,dc=com","o=ipaca"]');
    expect(render('{{ master | upper }}-{{ "AB" | lower }}-{{ suffixes | length }}-{{ suffixes | first }}', vars)).toBe('DS2-ab-2-dc=example,dc=com');
    expect(render("{{ 'a,b,,c' | split(',') | last }}", vars)).toBe('c');
  });

  it('reports unknown variables and fields with a hint, and bad syntax', () => {
    expect(message(() => render('{{ mastr }}', vars))).toBe('unknown variable "mastr" (did you mean "master"?) in "{{ mastr }}"');
    expect(message(() => render('{{ host.vars.replica }}', vars))).toBe('host.vars has no field "replica" in "{{ host.vars.replica }}"');
    expect(message(() => render('{{ suffixes[5] }}', vars))).toBe('suffixes has no item 5 in "{{ suffixes[5] }}"');
    expect(message(() => render('{{ master | uper }}', vars))).toBe(
      'unknown filter "uper" (did you mean "upper"?) in "{{ master | uper }}"; filters: default, join, json, lower, upper, length, first, last, int, string, bool, split',
    );
    expect(message(() => render('{{ master ', vars))).toBe('"{{" without a closing "}}" in "{{ master "');
    expect(message(() => render('{{ master backup }}', vars))).toBe('expected "}}" but found "backup" in "{{ master backup }}"');
    expect(message(() => render('{{ master | join }}', vars))).toBe('filter "join" needs a list, got a string in "{{ master | join }}"');
  });

  it('never runs code: JavaScript in a template is a syntax error, not an evaluation', () => {
    expect(message(() => render('{{ process.exit(1) }}', vars))).toBe('expected "}}" but found "(" in "{{ process.exit(1) }}"');
    expect(message(() => render('{{ constructor }}', vars))).toBe('unknown variable "constructor" in "{{ constructor }}"');
    expect(message(() => render('{{ host.constructor }}', vars))).toBe('host has no field "constructor" in "{{ host.constructor }}"');
    expect(message(() => render("{{ host['__proto__'] }}", vars))).toBe('host has no field "__proto__" in "{{ host[\'__proto__\'] }}"');
  });
});

describe('renderDeep', () => {
  it('keeps the raw value of a string that is exactly one template', () => {
    const out = renderDeep({ suffixes: '{{ suffixes }}', fence: '{{ fence }}', n: ' {{ retries }} ', list: ['{{ master }}', 2], deep: { x: 'on {{ master }}' } }, vars);
    expect(out).toEqual({ suffixes: vars.suffixes, fence: false, n: ' 3 ', list: ['ds2', 2], deep: { x: 'on ds2' } });
  });

  it('leaves non-strings alone', () => {
    expect(renderDeep(5, vars)).toBe(5);
    expect(renderDeep(null, vars)).toBe(null);
    expect(renderDeep(true, vars)).toBe(true);
  });

  it('lists the names a template needs, leaving out guarded ones', () => {
    expect(templateNames('{{ master }} {{ a.b }} {{ c | default(d) }} {{ e | join(sep) }}').sort()).toEqual(['a', 'd', 'e', 'master', 'sep']);
  });
});

describe('evalWhen', () => {
  it('compares, negates and combines', () => {
    expect(evalWhen("master == 'ds2'", vars)).toBe(true);
    expect(evalWhen("master != 'ds2'", vars)).toBe(false);
    expect(evalWhen('not fence', vars)).toBe(true);
    expect(evalWhen("not fence and master == 'ds2'", vars)).toBe(true);
    expect(evalWhen('fence or retries > 2', vars)).toBe(true);
    expect(evalWhen('(fence or retries > 5) and true', vars)).toBe(false);
    expect(evalWhen('retries >= 3 and retries < 4 and retries <= 3', vars)).toBe(true);
  });

  it('tests membership, emptiness and definedness', () => {
    expect(evalWhen("'o=ipaca' in suffixes", vars)).toBe(true);
    expect(evalWhen("'o=x' not in suffixes", vars)).toBe(true);
    expect(evalWhen("'ds' in master", vars)).toBe(true);
    expect(evalWhen("'vars' in host", vars)).toBe(true);
    expect(evalWhen("master in ['ds1', 'ds2']", vars)).toBe(true);
    expect(evalWhen('empty', vars)).toBe(false);
    expect(evalWhen('suffixes', vars)).toBe(true);
    expect(evalWhen('skip is defined', vars)).toBe(false);
    expect(evalWhen('master is defined and nothing is none', vars)).toBe(true);
    expect(evalWhen('host.vars.x is not defined', vars)).toBe(true);
    expect(evalWhen('{{ fence }}', vars)).toBe(false);
  });

  it('treats -e text and numbers alike in ==', () => {
    expect(evalWhen("retries == '3'", vars)).toBe(true);
  });

  it('reports unknown variables and syntax errors', () => {
    expect(message(() => evalWhen('not fance', vars))).toBe('unknown variable "fance" (did you mean "fence"?) in "not fance"');
    expect(message(() => evalWhen("master = 'ds2'", vars))).toBe('unexpected "=" in "master = \'ds2\'"');
    expect(message(() => evalWhen('master ==', vars))).toBe('expected a value but found the end in "master =="');
    expect(message(() => evalWhen('', vars))).toBe('empty expression');
    expect(whenNames('a and b is defined and c | default(1)')).toEqual(['a']);
  });
});
