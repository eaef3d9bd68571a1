/**
 * The direct pass's layers without weights: pooling (max, average, global average), activations
 * (ReLU, ReLU6), dropout and add. Flatten and the identity activation need no code: their output
 * is their input seen with another shape.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPoolScatter } from '../backend/wasmKernels/maxPoolGrad.js';
import { runWasmKernel } from '../backend/wasmKernels/wasmOps.js';
import type { SeededRandom } from '../../util/random.js';
import { allocate, view, type Info } from './heap.js';
import type { DirectLayer } from './directLayer.js';

type PoolLayer = Extract<DirectLayer, { kind: 'maxPool' | 'avgPool' }>;

export function poolForward(backend: BackendWasm, layer: PoolLayer, x: Info, owned: Info[]): Info {
  const output = runWasmKernel(backend, layer.kind === 'maxPool' ? 'MaxPool' : 'AvgPool', { x }, { filterSize: layer.poolSize, strides: layer.strides, pad: layer.padding });
  owned.push(output);
  return output;
}

/**
 * Back through a max-pool: each window's gradient to its first maximum (backend/wasmKernels/
 * maxPoolGrad.ts), with the layer before's ReLU gradient and bias sum fused in where `before` says.
 */
export function maxPoolBackward(
  backend: BackendWasm,
  layer: PoolLayer,
  x: Info,
  dA: Info,
  before: { readonly gated: boolean; readonly bias: { readonly out: Float32Array; readonly offset: number } | null },
  owned: Info[],
): Info {
  const xShape = x.shape as [number, number, number, number];
  const geometry = tf.backend_util.computePool2DInfo(xShape, layer.poolSize, layer.strides, 1, layer.padding);
  const dX = allocate(backend, xShape, owned);
  maxPoolScatter(view(backend, x), view(backend, dA), view(backend, dX), geometry, before.gated, before.bias);
  return dX;
}

/** Back through an average pool, by the backend's own AvgPoolGrad (the kernel autodiff runs). */
export function avgPoolBackward(backend: BackendWasm, layer: PoolLayer, x: Info, dA: Info, owned: Info[]): Info {
  const dX = runWasmKernel(backend, 'AvgPoolGrad', { dy: dA, input: x }, { filterSize: layer.poolSize, strides: layer.strides, pad: layer.padding });
  owned.push(dX);
  return dX;
}

/** [n, h, w, c] → [n, c]: each channel's mean over the image. */
export function globalAvgPoolForward(backend: BackendWasm, x: Info, owned: Info[]): Info {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const output = allocate(backend, [n, c], owned);
  const from = view(backend, x);
  const to = view(backend, output);
  const sums = new Float64Array(c);
  const pixels = h * w;
  for (let b = 0; b < n; b++) {
    sums.fill(0);
    const end = (b + 1) * pixels * c;
    for (let i = b * pixels * c; i < end; i += c) for (let k = 0; k < c; k++) sums[k]! += from[i + k]!;
    for (let k = 0; k < c; k++) to[b * c + k] = sums[k]! / pixels;
  }
  return output;
}

export function globalAvgPoolBackward(backend: BackendWasm, x: Info, dA: Info, owned: Info[]): Info {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const dX = allocate(backend, x.shape, owned);
  const dy = view(backend, dA);
  const to = view(backend, dX);
  const pixels = h * w;
  const share = new Float32Array(c);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) share[k] = dy[b * c + k]! / pixels;
    for (let p = 0, at = b * pixels * c; p < pixels; p++, at += c) to.set(share, at);
  }
  return dX;
}

type ActivationLayer = Extract<DirectLayer, { kind: 'activation' }>;

/** max(x, 0), or min(max(x, 0), 6); the identity is an alias, made by the caller. */
export function activationForward(backend: BackendWasm, layer: ActivationLayer, x: Info, owned: Info[]): Info {
  const output = allocate(backend, x.shape, owned);
  const from = view(backend, x);
  const to = view(backend, output);
  if (layer.fn === 'relu6') for (let i = 0; i < from.length; i++) to[i] = Math.min(Math.max(from[i]!, 0), 6);
  else for (let i = 0; i < from.length; i++) to[i] = Math.max(from[i]!, 0);
  return output;
}

/**
 * The gradient where the activation passes it, 0 elsewhere: x > 0 for ReLU, 0 < x ≤ 6 for ReLU6
 * (TF.js's relu6 and clipByValue gradients), into dA itself when `inPlace`, else a new buffer.
 */
export function activationBackward(backend: BackendWasm, layer: ActivationLayer, x: Info, dA: Info, inPlace: boolean, owned: Info[]): Info {
  const dX = inPlace ? dA : allocate(backend, x.shape, owned);
  const from = view(backend, x);
  const dy = view(backend, dA);
  const to = view(backend, dX);
  if (layer.fn === 'relu6') for (let i = 0; i < to.length; i++) to[i] = from[i]! > 0 && from[i]! <= 6 ? dy[i]! : 0;
  else for (let i = 0; i < to.length; i++) to[i] = from[i]! > 0 ? dy[i]! : 0;
  return dX;
}

/** The sum of `inputs` (one shape), by the backend's Add. */
export function addForward(backend: BackendWasm, inputs: readonly Info[], owned: Info[]): Info {
  let sum = inputs[0]!;
  for (const next of inputs.slice(1)) {
    sum = runWasmKernel(backend, 'Add', { a: sum, b: next }, {});
    owned.push(sum);
  }
  return sum;
}

/** output = x × kept / (1 − rate), kept drawn with P(1) = 1 − rate (TF.js's dropout rule). */
export function dropoutForward(backend: BackendWasm, x: Info, rate: number, random: SeededRandom, owned: Info[]): { output: Info; kept: Uint8Array } {
  const output = allocate(backend, x.shape, owned);
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

export function dropoutBackward(backend: BackendWasm, rate: number, kept: Uint8Array, dA: Info, owned: Info[]): Info {
  const dX = allocate(backend, dA.shape, owned);
  const from = view(backend, dA);
  const to = view(backend, dX);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < to.length; i++) to[i] = kept[i] === 1 ? from[i]! * scale : 0;
  return dX;
}
