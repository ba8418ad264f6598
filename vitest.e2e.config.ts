import { defineConfig } from 'vitest/config';

// E2E: the built renderer in Debian's Chromium against browser mode; one browser at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    // The default output, then one line counting tests skipped for want of corpus files (npm run test:corpus).
    reporters: ['default', './test/support/corpus-reporter.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
