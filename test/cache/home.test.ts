import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStageCacheDir } from '../../src/cache/home.js';
import { userCacheDir } from '../../src/util/userCache.js';

describe("the user's cache folder", () => {
  it('follows each platform (XDG on Linux, ignoring an empty or relative XDG_CACHE_HOME)', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u', 'linux')).toBe('/x/cache/prune-run');
    expect(userCacheDir({}, '/home/u', 'linux')).toBe('/home/u/.cache/prune-run');
    expect(userCacheDir({ XDG_CACHE_HOME: '' }, '/home/u', 'linux')).toBe('/home/u/.cache/prune-run');
    expect(userCacheDir({ XDG_CACHE_HOME: 'relative/cache' }, '/home/u', 'freebsd')).toBe('/home/u/.cache/prune-run');
    expect(userCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/Users/u', 'darwin')).toBe('/Users/u/Library/Caches/prune-run');
    expect(userCacheDir({ LOCALAPPDATA: '/c/Users/u/AppData/Local' }, '/c/Users/u', 'win32')).toBe(path.join('/c/Users/u/AppData/Local', 'prune-run', 'Cache'));
  });

  it('holds the stage cache in its own folder, beside the data sets', () => {
    expect(defaultStageCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(process.platform === 'linux' ? '/x/cache/prune-run/stages' : expect.any(String));
  });

  it('is a temporary folder for the whole test run, never the real ~/.cache (test/helpers/globalSetup.ts)', () => {
    const home = process.env['XDG_CACHE_HOME'] ?? '';
    expect(home.startsWith(path.join(tmpdir(), 'prune-run-test-cache-home-'))).toBe(true);
  });
});
