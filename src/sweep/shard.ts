/**
 * Which points a shard runs: shard i of n (1-based, as GitLab and test runners count) takes the
 * i-th of n contiguous slices of the points, sizes differing by at most one, so every point is in
 * exactly one shard whatever machine runs it, and neighbours (points of one seed, which share
 * their training) tend to stay together. The index comes from --shard i/n, or else from the CI
 * engine's environment: PRUNE_RUN_SHARD=i/n (what the generated GitHub Actions workflow passes from
 * its matrix), GitLab's CI_NODE_INDEX/CI_NODE_TOTAL (`parallel:`), or a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX (0-based) with the total from --shards or PRUNE_RUN_SHARD_TOTAL.
 */
import { UsageError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
  /** Where it came from, for the log: `--shard`, or the environment variables read. */
  readonly source: string;
}

const whole = (text: string | undefined): number | null => (text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null);

function checked(index: number | null, total: number | null, source: string, written: string): Shard {
  if (index === null || total === null || total < 1 || index < 1 || index > total) {
    throw new UsageError(`${source}: expected a shard i/n with 1 ≤ i ≤ n (1-based, e.g. 2/4), got "${written}"`);
  }
  return { index, total, source };
}

/** `i/n` as --shard takes it. */
export function parseShard(text: string, source = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  return checked(match === null ? null : Number(match[1]), match === null ? null : Number(match[2]), source, text);
}

/** The shard the CI engine's environment names; null when none does (the whole sweep). */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, shards: number | null): Shard | null {
  const own = env['PRUNE_RUN_SHARD'];
  if (own !== undefined && own !== '') return parseShard(own, 'PRUNE_RUN_SHARD');
  const gitlabIndex = env['CI_NODE_INDEX'];
  if (gitlabIndex !== undefined && gitlabIndex !== '') {
    return checked(whole(gitlabIndex), whole(env['CI_NODE_TOTAL']), 'CI_NODE_INDEX/CI_NODE_TOTAL', `${gitlabIndex}/${env['CI_NODE_TOTAL'] ?? ''}`);
  }
  const jobIndex = env['JOB_COMPLETION_INDEX'];
  if (jobIndex !== undefined && jobIndex !== '') {
    const total = shards ?? whole(env['PRUNE_RUN_SHARD_TOTAL']);
    if (total === null) {
      throw new UsageError(
        'JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not how many shards there are: pass --shards <completions> or set PRUNE_RUN_SHARD_TOTAL',
      );
    }
    const index = whole(jobIndex);
    return checked(index === null ? null : index + 1, total, 'JOB_COMPLETION_INDEX (0-based)', `${jobIndex} of ${total}`);
  }
  return null;
}

/** The points of shard `shard`: its contiguous slice, in order. */
export function shardSlice<T>(points: readonly T[], shard: Shard | null): T[] {
  if (shard === null) return [...points];
  const start = Math.floor(((shard.index - 1) * points.length) / shard.total);
  const end = Math.floor((shard.index * points.length) / shard.total);
  return points.slice(start, end);
}
