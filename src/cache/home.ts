/**
 * Where the stage cache lives unless the project config says (cacheDir): in prune-run's folder of
 * the user's cache (util/userCache.ts), under stages/. Not in node_modules/.cache of the working
 * folder, as before: a command run from another folder (a recipe in ~/experiments, CI's checkout)
 * would start a new cache there, outside any node_modules, and a cleaned checkout would lose it.
 * Its own subfolder, because the trim removes files it does not know, and Fashion-MNIST's files
 * sit beside it (prune-run/fashion-mnist).
 */
import path from 'node:path';
import { userCacheDir } from '../util/userCache.js';

export function defaultStageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userCacheDir(env), 'stages');
}
