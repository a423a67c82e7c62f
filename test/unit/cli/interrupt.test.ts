import { afterEach, describe, expect, it, vi } from 'vitest';
import { installInterruptHandler } from '../../../src/cli/common.ts';
import { sink } from '../report/fixtures.ts';

describe('Ctrl-C', () => {
  afterEach(() => vi.restoreAllMocks());

  it('aborts gracefully on the first SIGINT and exits 3 at once on the second', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const err = sink();
    const handler = installInterruptHandler(err.stream);
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(handler.signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      expect(err.text()).toContain('Press Ctrl-C again to exit immediately');
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(3);
      expect(err.text()).toContain('Exiting now without cleanup');
    } finally {
      handler.dispose();
    }
  });
});
