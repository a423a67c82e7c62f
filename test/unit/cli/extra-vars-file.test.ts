import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExtraVarsFile } from '../../../src/cli/extra-vars-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-evars-'));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('-e @vars.yaml', () => {
  it('reads a map of params as -e key=value would (lists as a,b)', () => {
    expect(readExtraVarsFile(write('ok.yaml', 'master: ds2\nstopped: [ds3, ds4]\nfence: true\n'))).toEqual({ master: 'ds2', stopped: 'ds3,ds4', fence: 'true' });
  });

  it('a YAML mistake is named file:line:col, like every other YAML mistake', () => {
    const f = write('bad.yaml', 'master: ds2\nstopped: [ds3\n');
    expect(message(() => readExtraVarsFile(f))).toMatch(new RegExp(`^${f.replace(/[.]/g, '\\.')}:\\d+:\\d+: not YAML or JSON: [^\\n]*[^:\\n]$`));
  });
});
