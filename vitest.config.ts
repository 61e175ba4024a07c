import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/egress.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // PGlite boots a WASM Postgres per runtime and the CLI tests start real processes: on a busy
    // two-core machine one boot can take tens of seconds. A hang still fails, just later.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Vitest's default on two cores is one worker, but most of a test's time is spent waiting
    // (HTTP round trips, polls, child processes), so three files at a time finish much sooner.
    maxWorkers: 3,
  },
});
