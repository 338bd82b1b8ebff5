import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure: no Nomad, no Docker; `npm run test:unit` runs it alone in seconds) and `integration`
// (one real Nomad dev agent and one Docker engine for the whole run, started by the global setup). `npm test` runs
// both; the machine-coverage check at the end counts the steps of both.
export default defineConfig({
  test: {
    // Integration tests wait on a real agent; individual waits carry their own bounds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files in parallel but not so wide that the agent starves.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/harness/coverage.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          setupFiles: ['test/harness/on-failure.ts', 'test/harness/coverage.ts'],
        },
      },
    ],
  },
});
