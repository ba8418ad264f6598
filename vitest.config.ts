import { defineConfig } from 'vitest/config';

// Unit and integration tests run in plain Node; E2E has its own config (vitest.e2e.config.ts).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    pool: 'forks',
    // The default output, then one line counting tests skipped for want of corpus files (npm run test:corpus).
    reporters: ['default', './test/support/corpus-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
