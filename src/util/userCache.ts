/**
 * prune-run's folder in the user's cache, where what can be recomputed or fetched again lives
 * (the stage cache, Fashion-MNIST's files): never inside the folder a command happens to run in.
 * The platforms' conventions, as env-paths has them: $XDG_CACHE_HOME or ~/.cache on Linux and
 * other Unixes, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir(), platform: NodeJS.Platform = process.platform): string {
  const set = (name: string): string | null => {
    const value = env[name];
    // XDG: a relative path is invalid and must be ignored, as an empty one.
    return value !== undefined && path.isAbsolute(value) ? value : null;
  };
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'prune-run');
  if (platform === 'win32') return path.join(set('LOCALAPPDATA') ?? path.join(home, 'AppData', 'Local'), 'prune-run', 'Cache');
  return path.join(set('XDG_CACHE_HOME') ?? path.join(home, '.cache'), 'prune-run');
}
