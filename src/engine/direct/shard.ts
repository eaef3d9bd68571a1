/**
 * One shard's gradient on the wasm backend, forward and backward written out by layer instead of
 * recorded by TF.js's autodiff (tf.variableGrads): the same products in the same XNNPACK kernels,
 * without the engine's per-op bookkeeping (tensor tracking, the clones it saves for backprop,
 * casts, reshapes), with bias and ReLU fused into the forward convolutions and products, the ReLU
 * gradient fused into max-pool routing, the loss, batch norm and bias gradients as plain loops, and
 * each weight's gradient written straight into the flat gradient vector: on LeNet, about an eighth
 * of the kernel calls variableGrads makes (bench/kernels.md).
 *
 * The nodes run in the net's topological order forward and in reverse backward; a node read by
 * several layers gets the sum of their gradients (gradients.ts).
 *
 * Only wasm-backend data is touched, through the backend's own kernels and heap views; every
 * intermediate is released before returning, so tf.memory() and the heap are as they were.
 *
 * Dropout masks come from a seeded generator keyed by the shard's image indices and the layer,
 * not from TF.js's own generator: the indices follow the run's seeded batch order, so a rerun
 * draws the same masks (whichever thread computes the shard) and every batch draws new ones.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyImage, type Split } from '../../data/index.js';
import { release } from '../backend/wasmKernels/wasmOps.js';
import { SeededRandom } from '../../util/random.js';
import { batchNormForward, batchNormInputGradient, writeShardMoments, writeShardSums, type BatchNormSaved, type BatchParts } from './batchNorm.js';
import { NodeGradients } from './gradients.js';
import { alias, allocate, size, view, type Info } from './heap.js';
import { softmaxCrossEntropy, type LossOutcome } from './loss.js';
import { MODEL_INPUT, type DirectNet, type DirectNode } from './net.js';
import { phase } from './phases.js';
import { convBackward, convForward, denseBackward, denseForward, NOTHING_FUSED, type Fused } from './weighted.js';
import * as weightless from './weightless.js';

interface Saved {
  readonly output: Info;
  /** A dropout layer's mask (1 = kept), as drawn for this shard. */
  readonly kept?: Uint8Array;
  readonly batchNorm?: BatchNormSaved;
}

/** FNV-1a over the shard's image indices: the seed of its dropout masks. */
function shardSeed(indices: Uint32Array): number {
  let hash = 0x811c9dc5;
  for (const index of indices) {
    for (let shift = 0; shift < 32; shift += 8) {
      hash ^= (index >>> shift) & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash;
}

/** Node i's output from its inputs' (a batch norm's is batchNormForward's: it waits for the other shards first). */
function forwardNode(backend: BackendWasm, node: DirectNode, index: number, inputs: readonly Info[], seed: number, owned: Info[]): Saved {
  const { layer } = node;
  const x = inputs[0]!;
  switch (layer.kind) {
    case 'conv2d':
    case 'depthwise':
      return { output: convForward(backend, layer, x, owned) };
    case 'dense':
      return { output: denseForward(backend, layer, x, owned) };
    case 'batchNorm':
      throw new Error(`internal: batch norm ${layer.name} reached forwardNode`);
    case 'maxPool':
    case 'avgPool':
      return { output: weightless.poolForward(backend, layer, x, owned) };
    case 'globalAvgPool':
      return { output: weightless.globalAvgPoolForward(backend, x, owned) };
    case 'flatten':
      return { output: alias(x, [x.shape[0]!, size(x.shape.slice(1))]) };
    case 'dropout':
      return weightless.dropoutForward(backend, x, layer.rate, SeededRandom.derive(seed, `dropout:${String(index)}`), owned);
    case 'activation':
      return { output: layer.fn === 'linear' ? x : weightless.activationForward(backend, layer, x, owned) };
    case 'add':
      return { output: weightless.addForward(backend, inputs, owned) };
  }
}

/**
 * What a max-pool at node i does for the conv or dense layer it reads, when it is that layer's
 * only reader: the pool's input is that layer's output, so routing can apply its ReLU gradient (a
 * window whose maximum is not positive routes nothing) and, the routed gradient then being that
 * layer's whole gradient, sum its bias gradient.
 */
function fusedByPool(net: DirectNet, node: DirectNode): Fused {
  const before = node.inputs[0] === MODEL_INPUT ? undefined : net.nodes[node.inputs[0]!];
  if (node.layer.kind !== 'maxPool' || before === undefined || before.readers !== 1) return NOTHING_FUSED;
  if (before.layer.kind !== 'conv2d' && before.layer.kind !== 'dense') return NOTHING_FUSED;
  return { gated: before.layer.relu, biasSummed: before.layer.bias !== null };
}

/** Whether a node's backward changes its output gradient in place (so needs it exclusive). */
function changesGradient(node: DirectNode, fused: Fused): boolean {
  const { layer } = node;
  return (layer.kind === 'conv2d' || layer.kind === 'depthwise' || layer.kind === 'dense') && layer.relu && !fused.gated;
}

/**
 * The gradient at each input of node i from the gradient dA at its output (null for an input that
 * needs none), weight gradients into `out`. Each result says whether its buffer is its own.
 */
function backwardNode(
  backend: BackendWasm,
  net: DirectNet,
  i: number,
  inputs: readonly Info[],
  saved: readonly Saved[],
  dA: { info: Info; exclusive: boolean },
  fused: Fused[],
  out: Float32Array,
  owned: Info[],
): ({ info: Info; exclusive: boolean } | null)[] {
  const node = net.nodes[i]!;
  const { layer } = node;
  const needs = node.inputs.map((j) => j !== MODEL_INPUT && net.nodes[j]!.needsGradient);
  const need = needs[0]!;
  const x = inputs[0]!;
  const own = (info: Info | null) => (info === null ? null : { info, exclusive: true });
  const output = saved[i]!.output;
  switch (layer.kind) {
    case 'conv2d':
    case 'depthwise':
      return [own(convBackward(backend, layer, x, output, dA.info, fused[i] ?? NOTHING_FUSED, need, out, owned))];
    case 'dense':
      return [own(denseBackward(backend, layer, x, output, dA.info, fused[i] ?? NOTHING_FUSED, need, out, owned))];
    case 'batchNorm':
      throw new Error(`internal: batch norm ${layer.name} reached backwardNode`);
    case 'maxPool': {
      if (!need) return [null];
      const pool = fusedByPool(net, node);
      const before = net.nodes[node.inputs[0]!]!.layer;
      const bias = pool.biasSummed && (before.kind === 'conv2d' || before.kind === 'dense') ? before.bias : null;
      fused[node.inputs[0]!] = pool;
      return [own(weightless.maxPoolBackward(backend, layer, x, dA.info, { gated: pool.gated, bias: bias === null ? null : { out, offset: bias.offset } }, owned))];
    }
    case 'avgPool':
      return [need ? own(weightless.avgPoolBackward(backend, layer, x, dA.info, owned)) : null];
    case 'globalAvgPool':
      return [need ? own(weightless.globalAvgPoolBackward(backend, x, dA.info, owned)) : null];
    case 'flatten':
      return [need ? { info: alias(dA.info, [...x.shape]), exclusive: dA.exclusive } : null];
    case 'dropout':
      return [need ? own(weightless.dropoutBackward(backend, layer.rate, saved[i]!.kept!, dA.info, owned)) : null];
    case 'activation':
      if (!need) return [null];
      return [layer.fn === 'linear' ? dA : own(weightless.activationBackward(backend, layer, x, dA.info, dA.exclusive, owned))];
    case 'add': {
      // The same gradient for every input: its own only if exactly one input takes it.
      const takers = needs.filter(Boolean).length;
      return needs.map((n) => (n ? { info: dA.info, exclusive: dA.exclusive && takers === 1 } : null));
    }
  }
}

/** This shard's place in its batch: every shard's batch-norm parts, and which of them is its own. */
export interface ShardOfBatch {
  readonly parts: BatchParts;
  readonly shard: number;
}

/**
 * The shard's part of the batch gradient (Σ of its images' losses / batchSize, see
 * parallel/shardGradient.ts) into `out`, laid out as the parameter vector, as a generator that
 * stops at each batch-norm node, forward in node order and backward in reverse, after writing its
 * part of that layer's statistics or sums into `batch.parts`: its driver (batchShards.ts) resumes
 * it once every shard of the batch has written its own. Its record is left holding the shard's statistics for the moving averages.
 */
export function* directShardPass(backend: BackendWasm, net: DirectNet, split: Split, indices: Uint32Array, batchSize: number, out: Float32Array, batch: ShardOfBatch): Generator<void, LossOutcome, void> {
  const rows = indices.length;
  const [height, width, channels] = net.inputShape;
  const pixels = height * width * channels;
  const { parts } = batch;
  const record = parts.records[batch.shard]!;
  const sums = parts.sums[batch.shard]!;
  record.fill(0);
  sums.fill(0);
  const owned: Info[] = [];
  try {
    const x = allocate(backend, [rows, height, width, channels], owned);
    const labels = new Int32Array(rows);
    phase('input images', () => {
      const images = view(backend, x);
      for (let i = 0; i < rows; i++) {
        const source = indices[i]!;
        copyImage(split, source, pixels, images, i * pixels);
        labels[i] = split.labels[source]!;
      }
    });

    const seed = shardSeed(indices);
    const saved: Saved[] = [];
    const inputsOf = (node: DirectNode) => node.inputs.map((j) => (j === MODEL_INPUT ? x : saved[j]!.output));
    for (const [i, node] of net.nodes.entries()) {
      const { layer } = node;
      if (layer.kind !== 'batchNorm') {
        saved.push(phase(`${layer.kind} forward`, () => forwardNode(backend, node, i, inputsOf(node), seed, owned)));
        continue;
      }
      phase('batchNorm forward', () => writeShardMoments(backend, layer, inputsOf(node)[0]!, record));
      yield;
      const { output, saved: statistics } = phase('batchNorm forward', () => batchNormForward(backend, layer, inputsOf(node)[0]!, parts, owned));
      saved.push({ output, batchNorm: statistics });
    }

    const logits = saved.at(-1)!.output;
    const classes = logits.shape[1]!;
    const dLogits = allocate(backend, [rows, classes], owned);
    const outcome = phase('loss', () => softmaxCrossEntropy(view(backend, logits), labels, rows, classes, batchSize, view(backend, dLogits), net.output));

    const gradients = new NodeGradients(backend, net.nodes.length, owned);
    gradients.give(net.nodes.length - 1, dLogits, true);
    const fused: Fused[] = [];
    for (let i = net.nodes.length - 1; i >= 0; i--) {
      const node = net.nodes[i]!;
      const { layer } = node;
      const dA = phase('gradient sums', () => gradients.take(i, changesGradient(node, fused[i] ?? NOTHING_FUSED)));
      if (dA === undefined) {
        // Never for a batch norm: it has weights, so every layer after it passes a gradient back.
        if (layer.kind === 'batchNorm') throw new Error(`internal: no gradient reached batch norm ${layer.name}`);
        continue; // nothing before it has weights
      }
      if (layer.kind === 'batchNorm') {
        const x = inputsOf(node)[0]!;
        const statistics = saved[i]!.batchNorm!;
        phase('batchNorm backward', () => writeShardSums(backend, layer, x, statistics, dA.info, sums, out));
        yield;
        const j = node.inputs[0]!;
        if (j !== MODEL_INPUT && net.nodes[j]!.needsGradient) {
          const dx = phase('batchNorm backward', () => batchNormInputGradient(backend, layer, x, statistics, dA.info, parts, dA.exclusive, owned));
          gradients.give(j, dx, true);
        }
        continue;
      }
      const inputGradients = phase(`${layer.kind} backward`, () => backwardNode(backend, net, i, inputsOf(node), saved, dA, fused, out, owned));
      phase('gradient sums', () => {
        for (const [k, gradient] of inputGradients.entries()) if (gradient !== null) gradients.give(node.inputs[k]!, gradient.info, gradient.exclusive);
      });
    }
    return outcome;
  } finally {
    phase('release', () => {
      for (const info of owned) release(backend, info);
    });
  }
}
