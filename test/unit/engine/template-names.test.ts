/** The engine reads the names a playbook uses from the template parser, never by a regex over the serialized steps. */
import { describe, expect, it } from 'vitest';
import { secretsNamedBy } from '../../../src/engine/load.ts';
import { parsePlaybook, templateMembers, templateVariables } from '../../../src/playbook/index.ts';

const steps = (yaml: string) => parsePlaybook('/tmp/names.yaml', yaml).steps;

describe('secrets a playbook names', () => {
  it('reads secrets.NAME and secrets[\'NAME\'] in templates at any depth of with, and in when', () => {
    const named = secretsNamedBy(
      steps(`name: n
steps:
  - name: push
    on: all
    do: shell
    when: secrets.flag == 'on'
    with:
      cmd: echo
      stdin: "{{ secrets.token }}"
      nested: { list: [ "a", { deep: "x{{ secrets['db-password'] | default('') }}y" } ] }
`),
    );
    expect([...named].sort()).toEqual(['db-password', 'flag', 'token']);
  });

  it('names none through a string literal inside a template, a plain text, or another root', () => {
    const named = secretsNamedBy(
      steps(`name: n
steps:
  - name: "about secrets.in_the_name"
    on: all
    do: shell
    with:
      cmd: "echo secrets.plain_text {{ 'secrets.literal' }} {{ notsecrets.other }} {{ hostvars.secrets }}"
`),
    );
    // A regex over the serialized steps would have found in_the_name, plain_text and literal.
    expect([...named]).toEqual([]);
  });
});

describe('template names from the parser', () => {
  it('templateVariables: every root, guarded ones too; none from literals', () => {
    expect(templateVariables("all:!{{ master }}")).toEqual(['master']);
    expect(templateVariables("{{ not fence }},{{ lost | default(first) }},{{ x is defined }}").sort()).toEqual(['fence', 'first', 'lost', 'x']);
    expect(templateVariables("{{ '{{ quoted }}' }} {{ [a, b['k']] | join(',') }}").sort()).toEqual(['a', 'b']);
    expect(templateVariables('all')).toEqual([]);
  });

  it('templateMembers: keys read on one root, dotted or indexed by a string', () => {
    expect(templateMembers("{{ secrets.a }}{{ secrets['b'] }}{{ secrets[c] }}{{ other.d }}", 'secrets')).toEqual(['a', 'b']);
  });
});
