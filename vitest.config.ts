import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/*/test/**/*.test.ts'],
    globalSetup: ['packages/server/test/support/global-setup.ts'],
    // Tests start real servers and real PostgreSQL: generous time, few workers on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Every Weft the tests start (and the worker processes they spawn) shares one master key; tests of the key
    // itself (generation, mismatch, rotation) set their own.
    env: { WEFT_ENCRYPTION_KEY: 'd2VmdC10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXMtbG8=' },
  },
});
