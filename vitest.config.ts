import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/on-failure.ts', 'test/harness/coverage.ts'],
    // Integration tests wait on a real agent; individual waits carry their own bounds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files in parallel but not so wide that the agent starves.
    maxWorkers: 2,
  },
});
