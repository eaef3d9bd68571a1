import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No test may touch the real ~/.cache: the run's XDG_CACHE_HOME is a temporary folder.
    globalSetup: ['test/helpers/globalSetup.ts'],
    // TF.js keeps global engine state per process; separate forks keep test files independent.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // @actions/workflow-parser imports its schema as bare JSON (a bundler's import, which Node
    // refuses without `with { type: 'json' }`): vite transforms it instead of Node loading it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
