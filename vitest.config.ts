import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; e2e tests share one machine-wide lab, so they run one file at a time.
// LIFEBOAT_FROM_SOURCE makes bin/lifeboat.js, when a test spawns it, run src/ (not a possibly stale dist/).
const env = { LIFEBOAT_FROM_SOURCE: '1' };
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          env,
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
