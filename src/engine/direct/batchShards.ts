/**
 * The shards of one batch that one thread computes by the direct pass, in lockstep with each
 * other and, through `barrier`, with the shards other threads compute: every shard's pass
 * (shard.ts) runs to its next batch-norm layer and writes its part there, then the barrier waits
 * until every thread's shards have, then all go on. So batch norm normalises by the statistics of
 * the whole batch, and a thread that computes several shards (one thread computing both of a
 * batch's two) interleaves them layer by layer, giving the same numbers as two threads.
 *
 * Models without batch norm never stop: each shard then runs to its end in turn.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Split } from '../../data/index.js';
import type { BatchParts } from './batchNorm.js';
import type { LossOutcome } from './loss.js';
import type { DirectNet } from './net.js';
import { directShardPass, type ShardOfBatch } from './shard.js';

/** One shard a thread computes: its number in the batch, its images, and where its gradient part goes. */
export interface DirectShard {
  readonly shard: number;
  readonly indices: Uint32Array;
  readonly out: Float32Array;
}

/**
 * A shard without images (a batch smaller than its number of shards): a zero gradient part and
 * zero counts and sums, stopping where a shard with images would, so that the others can go on.
 */
function* emptyShardPass(net: DirectNet, out: Float32Array, batch: ShardOfBatch): Generator<void, LossOutcome, void> {
  out.fill(0);
  batch.parts.records[batch.shard]!.fill(0);
  batch.parts.sums[batch.shard]!.fill(0);
  const batchNorms = net.nodes.filter((node) => node.layer.kind === 'batchNorm').length;
  for (let stop = 0; stop < 2 * batchNorms; stop++) yield;
  return { loss: 0, correct: 0 };
}

/**
 * The gradient parts of `shards` (each into its `out`, its batch-norm statistics into its record
 * in `parts`), with `barrier` called at each batch-norm layer once every one of them has written
 * its part there. Outcomes in the order of `shards`.
 */
export function directShardGradients(
  backend: BackendWasm,
  net: DirectNet,
  split: Split,
  shards: readonly DirectShard[],
  batchSize: number,
  parts: BatchParts,
  barrier: () => void,
): LossOutcome[] {
  const passes = shards.map(({ shard, indices, out }) =>
    indices.length === 0 ? emptyShardPass(net, out, { parts, shard }) : directShardPass(backend, net, split, indices, batchSize, out, { parts, shard }),
  );
  const outcomes: LossOutcome[] = [];
  try {
    for (;;) {
      const steps = passes.map((pass) => pass.next());
      const finished = steps.filter((step) => step.done === true).length;
      if (finished === passes.length) {
        for (const step of steps) outcomes.push(step.value as LossOutcome);
        return outcomes;
      }
      if (finished > 0) throw new Error('internal: the shards of a batch stopped at different batch-norm layers');
      barrier();
    }
  } finally {
    // A pass left mid-way (an error elsewhere) runs its own finally: its heap buffers go back.
    for (const pass of passes) pass.return(undefined as never);
  }
}

/** One shard alone (the whole batch, or a test's shard): its statistics into `record` when given. */
export function directShardGradient(
  backend: BackendWasm,
  net: DirectNet,
  split: Split,
  indices: Uint32Array,
  batchSize: number,
  out: Float32Array,
  record: Float64Array | null = null,
): LossOutcome {
  const parts = { records: [record ?? new Float64Array(net.recordLength)], sums: [new Float64Array(net.recordLength)] };
  return directShardGradients(backend, net, split, [{ shard: 0, indices, out }], batchSize, parts, () => undefined)[0]!;
}
