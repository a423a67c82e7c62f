import { describe, expect, it } from 'vitest';
import { nodeReady, nodeStatusText } from '../../../src/profiles/ciphertrust/api-paths.ts';

describe('a listed node is ready', () => {
  it('as the contract writes it (ready) and as the vendor\'s client reads a node status ({ code: "r" })', () => {
    expect(nodeReady({ status: 'ready' })).toBe(true);
    expect(nodeReady({ status: { code: 'r', description: 'ready' } })).toBe(true);
    expect(nodeReady({ status: 'r' })).toBe(true);
    for (const s of ['connecting', 'down', { code: 'i', description: 'syncing' }, { code: 'd' }]) expect(nodeReady({ status: s })).toBe(false);
    expect(nodeStatusText({ status: { code: 'c', description: 'catching up' } })).toBe('catching up');
  });
});
