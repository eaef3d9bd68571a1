/**
 * What `--threads` (and the config's `threads`) can mean. On wasm each batch's gradient is
 * computed in GRADIENT_SHARDS fixed shards, one per thread at most, so a thread beyond the shards
 * has nothing to do; and a thread beyond the machine's cores only waits for one. Anything else is
 * refused rather than quietly trimmed, so that a setting says what actually runs.
 */
import { availableParallelism } from 'node:os';
import { GRADIENT_SHARDS } from '../engine/gradientShards.js';

/** The most threads that can speed training up here: one per shard, one per core. */
export function usefulThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(GRADIENT_SHARDS, cores));
}

/**
 * What is wrong with `threads` (to follow the setting's name), or null when it is meaningful
 * here; `written` is the value as the user wrote it (NaN for text that is no number).
 */
export function threadsProblem(threads: number, written: string = String(threads), cores: number = availableParallelism()): string | null {
  const most = usefulThreads(cores);
  if (Number.isInteger(threads) && threads >= 1 && threads <= most) return null;
  const allowed = most === 1 ? '1' : `1 to ${most}`;
  return (
    `must be ${allowed} on this machine, got ${written}: training splits each batch's gradient into ${GRADIENT_SHARDS} fixed shards, ` +
    `one thread each at most, and the machine has ${cores} core${cores === 1 ? '' : 's'}; more threads would not make it faster`
  );
}
