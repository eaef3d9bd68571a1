/** gitInfo's `exclude`: a run's own output (the runs folder) does not make the tree it reports dirty. */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitInfo } from '../../src/runs/manifest.js';
import { hasGit } from '../helpers/git.js';


describe.skipIf(!hasGit)('gitInfo with exclude', () => {
  let dir: string;
  let repo: string;
  let commit: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-git-exclude-'));
    repo = join(dir, 'repo');
    const run = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    execFileSync('git', ['init', '-q', repo]);
    await mkdir(join(repo, 'recipes'));
    await writeFile(join(repo, 'recipes', 'r.yaml'), 'seed: 1\n');
    run('add', '.');
    run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'recipe');
    commit = run('rev-parse', 'HEAD').trim();
    // An untracked run folder, as a run inside the repository makes one.
    await mkdir(join(repo, 'runs', 'x.partial'), { recursive: true });
    await writeFile(join(repo, 'runs', 'x.partial', 'manifest.json'), '{}\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('does not count changes under an excluded folder, from a subfolder of the repository', async () => {
    const recipes = join(repo, 'recipes');
    expect(await gitInfo(recipes)).toEqual({ commit, dirty: true });
    expect(await gitInfo(recipes, { exclude: [join(repo, 'runs')] })).toEqual({ commit, dirty: false });
  });

  it('still counts changes elsewhere, and ignores an excluded path outside the repository', async () => {
    await writeFile(join(repo, 'recipes', 'r.yaml'), 'seed: 2\n');
    expect(await gitInfo(repo, { exclude: [join(repo, 'runs'), join(dir, 'elsewhere')] })).toEqual({ commit, dirty: true });
  });
});
