/**
 * Before any test file: the user's cache folder ($XDG_CACHE_HOME) of the whole test run is a
 * temporary folder, removed at the end, so that no test — in-process or a child process, which
 * inherits the environment — reads or writes the real ~/.cache (the stage cache's default home,
 * Fashion-MNIST's searched folder). Tests that run the command give it a folder of their own
 * (helpers/cli.ts, testCacheHome).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const home = await mkdtemp(path.join(tmpdir(), 'prune-run-test-cache-home-'));
  process.env['XDG_CACHE_HOME'] = home;
  return async () => {
    await rm(home, { recursive: true, force: true });
  };
}
