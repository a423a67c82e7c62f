import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { sameServerProblems } from '../../../src/inventory/same-server.ts';
import { tempDir } from './temp-files.ts';

const tmp = tempDir();

describe('one server listed twice under two names', () => {
  it('is refused at the second host\'s address, naming both hosts and what they resolve to', async () => {
    // 127.1 is 127.0.0.1 written another way: the loader's textual duplicate check cannot see it.
    const file = tmp.write('twice.yaml', [
      'hosts:',
      '  ds1: { address: 127.0.0.1 }',
      '  ds2: { address: 127.0.0.1, ssh: { port: 2222 } }',
      '  ds1b: { address: 127.1 }',
      '  behind: { address: 127.0.1, ssh: { jump: ds2 } }',
      '',
    ].join('\n'));
    const inv = await loadInventory(file);
    expect((await sameServerProblems(inv)).map((e) => e.message)).toEqual([
      `${file}:4:20: host ds1b (127.1) is host ds1 (127.0.0.1) under another name: both resolve to 127.0.0.1 port 22; list each server once (another name its agreements use goes in its vars: aliases: [127.1])`,
    ]);
    // --limit leaving one of them out: nothing to say.
    expect(await sameServerProblems(inv, ['ds1', 'ds2'])).toEqual([]);
  });
});
