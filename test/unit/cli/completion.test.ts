/** `lifeboat completion bash|zsh`: generated from the commander tree; the bash script is run in bash. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../../src/cli/main.ts';
import { commandTable } from '../../../src/cli/completion.ts';
import { fakeIO } from './fake-io.ts';

const argv = (...a: string[]) => ['node', 'lifeboat', ...a];
let bashScript: string;
let zshScript: string;

beforeAll(async () => {
  const io = fakeIO();
  expect(await runCli(argv('completion', 'bash'), io)).toBe(0);
  bashScript = join(mkdtempSync(join(tmpdir(), 'lifeboat-completion-')), 'lifeboat.bash');
  writeFileSync(bashScript, io.out());
  const z = fakeIO();
  expect(await runCli(argv('completion', 'zsh'), z)).toBe(0);
  zshScript = z.out();
});

/** What bash offers after the typed words (the last one is being completed). */
function complete(...words: string[]): string[] {
  const script = `source ${JSON.stringify(bashScript)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _lifeboat; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '../../..') }).split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it('bash offers the commands, subcommands and options the CLI really has', () => {
    expect(complete('lifeboat', 'ru')).toEqual(['run', 'runs']);
    expect(complete('lifeboat', 'lab', 'u')).toEqual(['up', 'uncut']);
    expect(complete('lifeboat', 'run', '-')).toEqual(expect.arrayContaining(['-i', '--inventory', '-l', '--limit', '-C', '--check', '-v', '--verbose', '--extra-vars', '--json', '-y']));
    expect(complete('lifeboat', 'keys', '')).toEqual(['generate']);
    expect(complete('lifeboat', 'run', 'data')).toEqual(['data-loss']);
    // After an option taking a file, file names.
    expect(complete('lifeboat', 'run', '-i', 'inventor')).toEqual(['inventories']);
    expect(complete('lifeboat', 'completion', 'z')).toEqual([]);
  });

  it('every command of the program is in the table, with every option', async () => {
    const program = await buildProgram({ io: fakeIO(), setExit: () => undefined });
    const { entries } = commandTable(program);
    const paths = entries.map((e) => e.path);
    for (const p of ['', 'run', 'plan', 'resume', 'runs', 'inventory check', 'lab up', 'lab exec', 'backup decrypt', 'keys generate', 'rehearse', 'completion']) expect(paths).toContain(p);
    const run = program.commands.find((c) => c.name() === 'run')!;
    const runEntry = entries.find((e) => e.path === 'run')!;
    for (const o of run.options) expect(runEntry.options).toContain(o.long);
  });

  it('zsh gets the same tables with compdef, and no variable named path (zsh\'s PATH array)', () => {
    expect(zshScript.startsWith('#compdef lifeboat\n')).toBe(true);
    expect(zshScript).toContain('compdef _lifeboat lifeboat');
    expect(zshScript).toContain('"lab") echo "up down status kill revive cut uncut exec" ;;');
    expect(zshScript).not.toMatch(/local path\b/);
    // The tables are identical in both scripts.
    const table = (s: string) => s.slice(s.indexOf('_lifeboat_subcommands()'), s.indexOf('_lifeboat_path_options='));
    expect(table(zshScript)).toBe(table(readBash()));
  });
});

const readBash = () => readFileSync(bashScript, 'utf8');
