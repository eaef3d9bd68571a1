/**
 * Provenance for a run manifest: which code (git commit, uncommitted changes), which runtime and
 * which library versions produced a run. Each helper reports "unknown" as null instead of
 * failing: a run outside a git repository, or without an optional package, is still a run.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';

export interface GitInfo {
  /** Full hash of HEAD. */
  readonly commit: string;
  /** Whether tracked files differ from HEAD or untracked files exist (outside .gitignore). */
  readonly dirty: boolean;
}

export interface NodeInfo {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  /** CPU count and model: timings in metrics only mean something next to these. */
  readonly cpus: number;
  readonly cpuModel: string | null;
}

/** Runs git in `cwd`; null on any failure (git missing, not a repository, no commit yet). */
function git(cwd: string, args: readonly string[]): Promise<string | null> {
  return new Promise((done) => {
    execFile('git', [...args], { cwd, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      done(error ? null : stdout);
    });
  });
}

/**
 * The commit checked out in the repository containing `dir` (the recipe's folder), and whether
 * the work tree has changes. null when `dir` is not in a repository with a commit, or git is
 * not installed. `exclude`: absolute paths whose changes do not count (the runs folder: a run's
 * own output must not make the tree it reports dirty); those outside the repository are ignored.
 */
export async function gitInfo(dir: string, options: { readonly exclude?: readonly string[] } = {}): Promise<GitInfo | null> {
  const head = await git(dir, ['rev-parse', '--verify', 'HEAD']);
  if (head === null) return null;
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top === null) return null;
  const root = realpathOr(top.trim());
  const excluded = (options.exclude ?? []).map(realpathOr).filter((p) => {
    const inside = relative(root, p);
    return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
  });
  // ':/' is the whole work tree, wherever in it `dir` is; git refuses an exclude outside it.
  const status = await git(dir, ['status', '--porcelain', '--', ':/', ...excluded.map((p) => `:(exclude)${p}`)]);
  if (status === null) return null;
  return { commit: head.trim(), dirty: status.trim() !== '' };
}

/** The path with symlinks resolved (git compares real paths), or as given when it does not exist yet. */
function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export function nodeInfo(): NodeInfo {
  const cpuList = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? null,
  };
}

/**
 * Installed versions of the named packages, as resolved from this project (null for one that is
 * not installed, e.g. the optional @tensorflow/tfjs-node). Reads `<node_modules>/<name>/
 * package.json` along Node's lookup paths rather than `require.resolve('<name>/package.json')`,
 * which packages whose "exports" omit package.json refuse. `from` is the file or folder URL/path to
 * resolve from; by default this module, i.e. prune-run's own dependencies.
 */
export function packageVersions(names: readonly string[], from: string | URL = import.meta.url): Record<string, string | null> {
  const require = createRequire(from);
  const versions: Record<string, string | null> = {};
  for (const name of names) {
    versions[name] = null;
    for (const folder of require.resolve.paths(name) ?? []) {
      const manifest = join(folder, name, 'package.json');
      if (!existsSync(manifest)) continue;
      try {
        const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        const version = (parsed as { version?: unknown } | null)?.version;
        versions[name] = typeof version === 'string' ? version : null;
      } catch {
        // An unreadable package.json means the version is unknown, not that the run fails.
      }
      break;
    }
  }
  return versions;
}
