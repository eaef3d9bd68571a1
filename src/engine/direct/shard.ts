/**
 * One shard's gradient on the wasm backend, forward and backward written out by layer instead of
 * recorded by TF.js's autodiff (tf.variableGrads): the same products in the same XNNPACK kernels,
 * without the engine's per-op bookkeeping (tensor tracking, the clones it saves for backprop,
 * casts, reshapes), with bias and ReLU fused into the forward convolutions and products, the ReLU
 * gradient fused into max-pool routing, the loss and bias gradients as plain loops, and each
 * weight's gradient written straight into the flat gradient vector: on LeNet, about an eighth
 * of the kernel calls variableGrads makes (bench/kernels.md).
 *
 * Only wasm-backend data is touched, through the backend's own kernels and heap views; every
 * intermediate is released before returning, so tf.memory() and the heap are as they were.
 *
 * Dropout masks come from a seeded generator keyed by the shard's image indices and the layer,
 * not from TF.js's own generator: the indices follow the run's seeded batch order, so a rerun
 * draws the same masks (whichever thread computes the shard) and every batch draws new ones.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyImage, type Split } from '../../data/index.js';
import { conv2dFilterGradient } from '../backend/wasmKernels/conv2dBackpropFilter.js';
import { maxPoolScatter } from '../backend/wasmKernels/maxPoolGrad.js';
import { columnSums } from '../backend/wasmKernels/sum.js';
import { release, runWasmKernel } from '../backend/wasmKernels/wasmOps.js';
import { SeededRandom } from '../../util/random.js';
import { softmaxCrossEntropy, type LossOutcome } from './loss.js';
import type { DirectLayer, DirectNet, WeightRef } from './net.js';

type Info = tf.TensorInfo;

/** The same backend data seen with another shape (a reshape, no copy). Never released itself. */
function alias(info: Info, shape: number[]): Info {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

function infoOf(ref: WeightRef): Info {
  return { dataId: ref.variable.dataId, shape: ref.variable.shape, dtype: 'float32' };
}

function view(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** dz ← dz where the layer's ReLU output is positive, else 0 (relu'(x) = x > 0, as TF.js's Step). */
function reluGate(dz: Float32Array, activation: Float32Array): void {
  for (let i = 0; i < dz.length; i++) if (!(activation[i]! > 0)) dz[i] = 0;
}

interface Saved {
  readonly input: Info;
  readonly output: Info;
  /** A dropout layer's mask (1 = kept), as drawn for this shard. */
  readonly kept?: Uint8Array;
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

/** output = x × kept / (1 − rate), kept drawn with P(1) = 1 − rate (TF.js's dropout rule). */
function dropoutForward(backend: BackendWasm, x: Info, rate: number, random: SeededRandom, owned: Info[]): { output: Info; kept: Uint8Array } {
  const output = backend.makeOutput([...x.shape], 'float32');
  owned.push(output);
  const from = view(backend, x);
  const to = view(backend, output);
  const kept = new Uint8Array(from.length);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < from.length; i++) {
    const keep = random.nextFloat() >= rate;
    kept[i] = keep ? 1 : 0;
    to[i] = keep ? from[i]! * scale : 0;
  }
  return { output, kept };
}

/** Runs layer by layer; returns every layer's input and output (outputs are owned, inputs alias). */
function forward(backend: BackendWasm, net: DirectNet, x: Info, seed: number, owned: Info[]): Saved[] {
  const saved: Saved[] = [];
  let current = x;
  for (const [i, layer] of net.layers.entries()) {
    let output: Info;
    switch (layer.kind) {
      case 'dropout': {
        const dropped = dropoutForward(backend, current, layer.rate, SeededRandom.derive(seed, `dropout:${String(i)}`), owned);
        saved.push({ input: current, output: dropped.output, kept: dropped.kept });
        current = dropped.output;
        continue;
      }
      case 'conv2d':
        output = runWasmKernel(
          backend,
          'FusedConv2D',
          { x: current, filter: infoOf(layer.kernel), ...(layer.bias === null ? {} : { bias: infoOf(layer.bias) }) },
          { strides: layer.strides, pad: layer.padding, dilations: [1, 1], dataFormat: 'NHWC', activation: layer.relu ? 'relu' : 'linear' },
        );
        owned.push(output);
        break;
      case 'maxPool':
        output = runWasmKernel(backend, 'MaxPool', { x: current }, { filterSize: layer.poolSize, strides: layer.strides, pad: layer.padding });
        owned.push(output);
        break;
      case 'flatten':
        output = alias(current, [current.shape[0]!, size(current.shape.slice(1))]);
        break;
      case 'dense': {
        const [rows, inner] = current.shape as [number, number];
        const kernel = infoOf(layer.kernel);
        const product = runWasmKernel(
          backend,
          '_FusedMatMul',
          { a: alias(current, [1, rows, inner]), b: alias(kernel, [1, ...kernel.shape]), ...(layer.bias === null ? {} : { bias: infoOf(layer.bias) }) },
          { transposeA: false, transposeB: false, activation: layer.relu ? 'relu' : 'linear' },
        );
        owned.push(product);
        output = alias(product, [rows, kernel.shape[1]!]);
        break;
      }
    }
    saved.push({ input: current, output });
    current = output;
  }
  return saved;
}

/** A matrix product of [rows, inner]-shaped data through the backend (transposes by our override). */
function matMul(backend: BackendWasm, a: Info, aShape: [number, number], b: Info, bShape: [number, number], transposeA: boolean, transposeB: boolean): Info {
  return runWasmKernel(backend, 'BatchMatMul', { a: alias(a, [1, ...aShape]), b: alias(b, [1, ...bShape]) }, { transposeA, transposeB });
}

/**
 * What a max-pool's routing did for the conv or dense layer before it (see backward): zeroed
 * the gradient where that layer's ReLU output is not positive, and summed its bias gradient.
 */
interface Fused {
  readonly gated: boolean;
  readonly biasSummed: boolean;
}

const NOTHING_FUSED: Fused = { gated: false, biasSummed: false };

/**
 * Back through `layer` from dA (the gradient at its output, owned by the caller's list): writes
 * the layer's weight gradients into `out` and returns the gradient at its input, or null when no
 * earlier layer needs it. `fused`: what the layer after did of this layer's work; `before`: the
 * layer before, whose work a max-pool takes on where it can (`fusedBefore` says what it took).
 */
function backward(
  backend: BackendWasm,
  layer: DirectLayer,
  saved: Saved,
  dA: Info,
  fused: Fused,
  before: DirectLayer | undefined,
  fusedBefore: Fused,
  needInput: boolean,
  out: Float32Array,
  owned: Info[],
): Info | null {
  switch (layer.kind) {
    case 'dense': {
      if (layer.relu && !fused.gated) reluGate(view(backend, dA), view(backend, saved.output));
      const [rows, inner] = saved.input.shape as [number, number];
      const units = saved.output.shape[1]!;
      const kernel = infoOf(layer.kernel);
      const dW = matMul(backend, saved.input, [rows, inner], dA, [rows, units], true, false);
      owned.push(dW);
      out.set(view(backend, dW), layer.kernel.offset);
      if (layer.bias !== null && !fused.biasSummed) columnSums(view(backend, dA), units, out.subarray(layer.bias.offset, layer.bias.offset + units));
      if (!needInput) return null;
      const dX = matMul(backend, dA, [rows, units], kernel, [inner, units], false, true);
      owned.push(dX);
      return alias(dX, [rows, inner]);
    }
    case 'conv2d': {
      if (layer.relu && !fused.gated) reluGate(view(backend, dA), view(backend, saved.output));
      const kernel = infoOf(layer.kernel);
      const xShape = saved.input.shape as [number, number, number, number];
      const geometry = tf.backend_util.computeConv2DInfo(xShape, kernel.shape as [number, number, number, number], layer.strides, 1, layer.padding, undefined, false, 'channelsLast');
      const dW = conv2dFilterGradient(backend, saved.input, dA, geometry);
      owned.push(dW);
      out.set(view(backend, dW), layer.kernel.offset);
      if (layer.bias !== null && !fused.biasSummed) columnSums(view(backend, dA), kernel.shape[3]!, out.subarray(layer.bias.offset, layer.bias.offset + kernel.shape[3]!));
      if (!needInput) return null;
      const dX = runWasmKernel(backend, 'Conv2DBackpropInput', { dy: dA, filter: kernel }, { strides: layer.strides, pad: layer.padding, dataFormat: 'NHWC', inputShape: xShape });
      owned.push(dX);
      return dX;
    }
    case 'maxPool': {
      if (!needInput) return null;
      const xShape = saved.input.shape as [number, number, number, number];
      const geometry = tf.backend_util.computePool2DInfo(xShape, layer.poolSize, layer.strides, 1, layer.padding);
      const dX = backend.makeOutput([...xShape], 'float32');
      owned.push(dX);
      const bias = fusedBefore.biasSummed && (before?.kind === 'conv2d' || before?.kind === 'dense') ? before.bias : null;
      // Views after the allocation: a heap growth detaches older ones.
      maxPoolScatter(view(backend, saved.input), view(backend, dA), view(backend, dX), geometry, fusedBefore.gated, bias === null ? null : { out, offset: bias.offset });
      return dX;
    }
    case 'flatten':
      return needInput ? alias(dA, [...saved.input.shape]) : null;
    case 'dropout': {
      if (!needInput) return null;
      const dX = backend.makeOutput([...saved.input.shape], 'float32');
      owned.push(dX);
      const from = view(backend, dA);
      const to = view(backend, dX);
      const kept = saved.kept!;
      const scale = 1 / (1 - layer.rate);
      for (let i = 0; i < to.length; i++) to[i] = kept[i] === 1 ? from[i]! * scale : 0;
      return dX;
    }
  }
}

/**
 * What a max-pool at layer i does for the layer before it: the pool's input is that layer's
 * output, so routing can apply its ReLU gradient (a window whose maximum is not positive routes
 * nothing) and, the routed gradient then being that layer's own, sum its bias gradient.
 */
function fusedByPool(net: DirectNet, i: number): Fused {
  const layer = net.layers[i];
  const previous = net.layers[i - 1];
  if (layer?.kind !== 'maxPool' || (previous?.kind !== 'conv2d' && previous?.kind !== 'dense')) return NOTHING_FUSED;
  return { gated: previous.relu, biasSummed: previous.bias !== null };
}

/**
 * The shard's part of the batch gradient (Σ of its images' losses / batchSize, see
 * shardGradient.ts) into `out`, laid out as the parameter vector.
 */
export function directShardGradient(
  backend: BackendWasm,
  net: DirectNet,
  split: Split,
  indices: Uint32Array,
  batchSize: number,
  out: Float32Array,
): LossOutcome {
  const rows = indices.length;
  const [height, width, channels] = net.inputShape;
  const pixels = height * width * channels;
  const owned: Info[] = [];
  try {
    const x = backend.makeOutput([rows, height, width, channels], 'float32');
    owned.push(x);
    const images = view(backend, x);
    const labels = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const source = indices[i]!;
      copyImage(split.images, source, pixels, images, i * pixels);
      labels[i] = split.labels[source]!;
    }

    const saved = forward(backend, net, x, shardSeed(indices), owned);
    const logits = saved.at(-1)!.output;
    const classes = logits.shape[1]!;
    const dLogits = backend.makeOutput([rows, classes], 'float32');
    owned.push(dLogits);
    const outcome = softmaxCrossEntropy(view(backend, logits), labels, rows, classes, batchSize, view(backend, dLogits), net.output);

    // Layers before the first one with weights need no input gradient.
    const firstTrainable = net.layers.findIndex((l) => l.kind === 'conv2d' || l.kind === 'dense');
    let dA: Info | null = dLogits;
    let fused = NOTHING_FUSED;
    for (let i = net.layers.length - 1; i >= 0 && dA !== null; i--) {
      const layer = net.layers[i]!;
      const fusedBefore = fusedByPool(net, i);
      dA = backward(backend, layer, saved[i]!, dA, fused, net.layers[i - 1], fusedBefore, i > firstTrainable, out, owned);
      // A flatten passes its gradient (and what was fused into it) through unchanged.
      fused = layer.kind === 'flatten' ? fused : fusedBefore;
    }
    return outcome;
  } finally {
    for (const info of owned) release(backend, info);
  }
}
