import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitInfo, nodeInfo, packageVersions } from '../../src/runs/manifest.js';
import { hasGit } from '../helpers/git.js';


describe('gitInfo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-git-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is null outside a repository and for a missing folder', async () => {
    expect(await gitInfo(dir)).toBeNull();
    expect(await gitInfo(join(dir, 'does-not-exist'))).toBeNull();
  });

  it.skipIf(!hasGit)('gives the commit and whether the work tree is dirty', async () => {
    const repo = join(dir, 'repo');
    const run = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    execFileSync('git', ['init', '-q', repo]);
    // A repository without a commit has nothing to pin a run to.
    expect(await gitInfo(repo)).toBeNull();
    await writeFile(join(repo, 'recipe.yaml'), 'seed: 1\n');
    run('add', 'recipe.yaml');
    run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'recipe');
    const commit = run('rev-parse', 'HEAD').trim();
    expect(await gitInfo(repo)).toEqual({ commit, dirty: false });
    await writeFile(join(repo, 'recipe.yaml'), 'seed: 2\n');
    expect(await gitInfo(repo)).toEqual({ commit, dirty: true });
  });
});

describe('nodeInfo', () => {
  it('describes this runtime', () => {
    const info = nodeInfo();
    expect(info.node).toBe(process.version);
    expect(info.arch).toBe(process.arch);
    expect(info.cpus).toBeGreaterThan(0);
  });
});

describe('packageVersions', () => {
  it('reads installed versions and gives null for a missing package', () => {
    const require = createRequire(import.meta.url);
    const typescript = (require('typescript/package.json') as { version: string }).version;
    expect(packageVersions(['mnist', 'typescript', 'no-such-package-prune-run'])).toEqual({
      mnist: '1.1.0',
      typescript,
      'no-such-package-prune-run': null,
    });
  });

  it('reads packages whose exports do not list package.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prune-run-pkg-'));
    try {
      const pkg = join(dir, 'node_modules', '@scope', 'closed');
      await mkdir(pkg, { recursive: true });
      await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@scope/closed', version: '2.3.4', exports: { '.': './index.js' } }));
      const from = join(dir, 'index.js');
      expect(() => createRequire(from).resolve('@scope/closed/package.json')).toThrow();
      expect(packageVersions(['@scope/closed'], from)).toEqual({ '@scope/closed': '2.3.4' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
