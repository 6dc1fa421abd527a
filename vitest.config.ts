import { configDefaults, defineConfig } from 'vitest/config';

const testFiles = ['packages/*/test/**/*.test.ts', 'examples/*/*/test/**/*.test.ts'];

/**
 * Test files that keep a fresh process each, as every file had before: they mock modules (`vi.mock` is not undone
 * between files of one process), count the process's active timers or watch its memory (another file's leftovers
 * would skew the figures), install process-wide handlers, or run in a browser (packages/web).
 */
const needsOwnProcess = [
  'packages/web/test/**/*.test.ts',
  'packages/components/test/code-sandbox.dist.test.ts',
  'packages/components/test/code-sandbox.test.ts',
  'packages/engine/test/clock.test.ts',
  'packages/engine/test/robustness.test.ts',
  'packages/server/test/execution-waiter.test.ts',
  'packages/cli/test/component-build.test.ts',
  'packages/cli/test/integration-build.test.ts',
];

/** What every test file runs with (each project below repeats it: a project that extends the root would also repeat the root's globalSetup, starting a second PostgreSQL). */
const common = {
  // Tests start real servers and real PostgreSQL: generous time, few workers on a 2-core machine.
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
  maxWorkers: 2,
  // Every Weft the tests start (and the worker processes they spawn) shares one master key; tests of the key
  // itself (generation, mismatch, rotation) set their own.
  env: { WEFT_ENCRYPTION_KEY: 'd2VmdC10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXMtbG8=' },
  // What a test waits for with expect.poll (a page that signs in through a frame, a run that finishes) gets 10 s,
  // not vitest's 1 s: with both workers busy, a browser page can take longer than a second to show its first screen.
  expect: { poll: { timeout: 10_000 } },
} as const;

export default defineConfig({
  test: {
    ...common,
    // Once for the whole run (projects inherit what it provides): the shared PostgreSQL and its migrated template.
    globalSetup: ['packages/server/test/support/global-setup.ts'],
    projects: [
      {
        test: { ...common, name: 'own-process', include: needsOwnProcess, isolate: true },
      },
      {
        // The other files run one after another in a reused worker process: it loads (and warms up) Weft's
        // modules once instead of once per file, which was most of a small file's time. Each file still starts
        // its own servers on its own databases, and vitest restores spies and config between files.
        test: {
          ...common,
          name: 'shared-process',
          include: testFiles,
          exclude: [...configDefaults.exclude, ...needsOwnProcess],
          isolate: false,
        },
      },
    ],
  },
});
