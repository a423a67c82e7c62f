import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../../src/cli/main.ts';
import { fakeIO } from './fake-io.ts';

const argv = (...args: string[]) => ['node', 'lifeboat', ...args];

describe('lifeboat CLI parsing', () => {
  it('every command and subcommand describes itself the same way: a lower-case phrase, as commander\'s own "display help for command"', async () => {
    const program = await buildProgram({ io: fakeIO(), setExit: () => undefined });
    const odd: string[] = [];
    const walk = (cmd: Command, path: string) => {
      for (const sub of cmd.commands) {
        const name = `${path} ${sub.name()}`.trim();
        if (!/^[a-z]/.test(sub.description())) odd.push(`${name}: ${sub.description()}`);
        walk(sub, name);
      }
    };
    walk(program, '');
    expect(odd).toEqual([]);
  });

  it('shows examples in the help of every command', async () => {
    for (const cmd of [['run'], ['plan'], ['resume'], ['runs'], ['inventory', 'check']]) {
      const io = fakeIO();
      expect(await runCli(argv(...cmd, '--help'), io)).toBe(0);
      expect(io.out()).toContain('Examples:');
      expect(io.out()).toContain(`$ lifeboat ${cmd.join(' ')}`);
    }
  });

  it('mounts the contributed command modules (lab, backup, keys, rehearse) in the top-level help', async () => {
    const io = fakeIO();
    expect(await runCli(argv('--help'), io)).toBe(0);
    for (const cmd of ['run', 'plan', 'resume', 'runs', 'inventory', 'lab', 'backup', 'keys', 'rehearse']) {
      expect(io.out()).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
    expect(io.err()).toBe('');
  });

  it('an unknown rehearsal scenario exits 2 and says which ones exist (an error thrown in an action is printed)', async () => {
    const io = fakeIO();
    expect(await runCli(argv('rehearse', 'bogus'), io)).toBe(2);
    expect(io.err()).toMatch(/unknown scenario "bogus" \(known: data-loss, .*kts-data-loss/);
  });

  it('exits 2 on a missing required option, an unknown option and a malformed -e', async () => {
    let io = fakeIO();
    expect(await runCli(argv('run', 'x.yaml'), io)).toBe(2);
    expect(io.err()).toBe("error: required option '-i, --inventory <file>' not specified\n(add --help for the options and examples)\n");
    io = fakeIO();
    expect(await runCli(argv('runs', '--bogus'), io)).toBe(2);
    io = fakeIO();
    expect(await runCli(argv('plan', 'x.yaml', '-i', 'inv.yaml', '-e', 'nokey'), io)).toBe(2);
    expect(io.err()).toContain('-e expects key=value');
    expect(io.out()).toBe('');
  });

  it('exits 2 when the playbook does not exist, before touching the engine', async () => {
    const io = fakeIO();
    expect(await runCli(argv('run', 'no-such-playbook', '-i', 'inv.yaml', '--json'), io)).toBe(2);
    expect(io.err()).toContain('playbook not found: no-such-playbook');
    // --json still ends with exactly one run.outcome line, carrying the error.
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'run.outcome',
      status: 'invalid',
      exitCode: 2,
      errors: [expect.stringMatching(/^playbook not found: no-such-playbook/)],
    });
  });

  it('--json ends with one run.outcome also when the command line itself is wrong', async () => {
    const io = fakeIO();
    expect(await runCli(argv('run', 'data-loss', '--json'), io)).toBe(2);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'run.outcome',
      status: 'invalid',
      exitCode: 2,
      errors: ["error: required option '-i, --inventory <file>' not specified"],
    });
  });
});
