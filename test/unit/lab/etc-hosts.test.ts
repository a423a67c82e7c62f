import { describe, expect, it } from 'vitest';
import { withBlock, withoutBlock } from '../../../src/lab/etc-hosts.ts';

const base = '127.0.0.1 localhost\n10.0.0.1 other\n';

describe('/etc/hosts block of a lab', () => {
  it('adds a marked block and removes exactly it, leaving other labs alone', () => {
    const one = withBlock(base, 'a', ['10.213.1.1 ds1.lab.test ds1']);
    const two = withBlock(one, 'b', ['10.213.2.1 ds1.lab.test ds1']);
    expect(two).toContain('# lifeboat-lab a begin\n10.213.1.1 ds1.lab.test ds1\n# lifeboat-lab a end\n');
    const back = withoutBlock(two, 'a');
    expect(back).not.toContain('lifeboat-lab a');
    expect(back).toContain('# lifeboat-lab b begin');
    expect(withoutBlock(back, 'b').trimEnd()).toBe(base.trimEnd());
  });

  it('replaces its own block instead of adding a second one', () => {
    const twice = withBlock(withBlock(base, 'a', ['x']), 'a', ['y']);
    expect(twice.match(/lifeboat-lab a begin/g)).toHaveLength(1);
    expect(twice).toContain('\ny\n');
    expect(twice).not.toContain('\nx\n');
  });
});
