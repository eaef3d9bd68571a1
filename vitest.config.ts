import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No test may touch the real ~/.cache: the run's XDG_CACHE_HOME is a temporary folder.
    globalSetup: ['test/helpers/globalSetup.ts'],
    // TF.js keeps global engine state per process; separate forks keep test files independent.
    pool: 'forks',
    // One fork per core (vitest's default leaves one core to itself: one fork on a 2-core machine,
    // running the 174 files one after another). Much of a file's time is a child process or its
    // own start-up, which the other core can overlap: 9 test files took 53 s here instead of 63-87 s.
    maxWorkers: availableParallelism(),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // @actions/workflow-parser imports its schema as bare JSON (a bundler's import, which Node
    // refuses without `with { type: 'json' }`): vite transforms it instead of Node loading it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
