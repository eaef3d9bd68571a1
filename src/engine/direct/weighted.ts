/**
 * The direct pass's conv, depthwise conv and dense layers: forward with bias and ReLU fused into
 * the backend's kernel, backward as the filter (or kernel) gradient written straight into the flat
 * gradient vector, the bias gradient as column sums, and the input gradient by the backend's
 * kernels (prune-run's where the wasm backend has none or a slow one: backend/wasmKernels/).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dFilterGradient } from '../backend/wasmKernels/conv2dBackpropFilter.js';
import { columnSums } from '../backend/wasmKernels/sum.js';
import { runWasmKernel } from '../backend/wasmKernels/wasmOps.js';
import { alias, infoOf, reluGate, slotOf, view, type Info } from './heap.js';
import type { DirectLayer } from './directLayer.js';
import { phase } from './phases.js';

type ConvLayer = Extract<DirectLayer, { kind: 'conv2d' | 'depthwise' }>;
type DenseLayer = Extract<DirectLayer, { kind: 'dense' }>;

/**
 * What the layer after did of this layer's backward work (a max-pool's routing, see shard.ts):
 * zeroed the gradient where this layer's ReLU output is not positive, and summed its bias gradient.
 */
export interface Fused {
  readonly gated: boolean;
  readonly biasSummed: boolean;
}

export const NOTHING_FUSED: Fused = { gated: false, biasSummed: false };

export function convForward(backend: BackendWasm, layer: ConvLayer, x: Info, owned: Info[]): Info {
  const output = runWasmKernel(
    backend,
    layer.kind === 'conv2d' ? 'FusedConv2D' : 'FusedDepthwiseConv2D',
    { x, filter: infoOf(layer.kernel), ...(layer.bias === null ? {} : { bias: infoOf(layer.bias) }) },
    { strides: layer.strides, pad: layer.padding, dilations: [1, 1], dataFormat: 'NHWC', activation: layer.relu ? 'relu' : 'linear' },
  );
  owned.push(output);
  return output;
}

export function denseForward(backend: BackendWasm, layer: DenseLayer, x: Info, owned: Info[]): Info {
  const [rows, inner] = x.shape as [number, number];
  const kernel = infoOf(layer.kernel);
  const product = runWasmKernel(
    backend,
    '_FusedMatMul',
    { a: alias(x, [1, rows, inner]), b: alias(kernel, [1, ...kernel.shape]), ...(layer.bias === null ? {} : { bias: infoOf(layer.bias) }) },
    { transposeA: false, transposeB: false, activation: layer.relu ? 'relu' : 'linear' },
  );
  owned.push(product);
  return alias(product, [rows, kernel.shape[1]!]);
}

/** A matrix product of [rows, inner]-shaped data through the backend (transposes by our override). */
function matMul(backend: BackendWasm, a: Info, aShape: [number, number], b: Info, bShape: [number, number], transposeA: boolean, transposeB: boolean): Info {
  return runWasmKernel(backend, 'BatchMatMul', { a: alias(a, [1, ...aShape]), b: alias(b, [1, ...bShape]) }, { transposeA, transposeB });
}

/** The ReLU gradient and the bias gradient, unless the layer after did them (`fused`). dA is the caller's to change. */
function activationAndBias(backend: BackendWasm, layer: ConvLayer | DenseLayer, output: Info, dA: Info, fused: Fused, out: Float32Array): void {
  if (layer.relu && !fused.gated) reluGate(view(backend, dA), view(backend, output));
  if (layer.bias !== null && !fused.biasSummed) columnSums(view(backend, dA), layer.bias.size, slotOf(out, layer.bias));
}

/** Back through a dense layer: weight gradients into `out`, the input gradient (or null when not needed). */
export function denseBackward(backend: BackendWasm, layer: DenseLayer, x: Info, output: Info, dA: Info, fused: Fused, needInput: boolean, out: Float32Array, owned: Info[]): Info | null {
  activationAndBias(backend, layer, output, dA, fused, out);
  const [rows, inner] = x.shape as [number, number];
  const units = output.shape[1]!;
  const dW = phase('dense filter gradient', () => matMul(backend, x, [rows, inner], dA, [rows, units], true, false));
  owned.push(dW);
  out.set(view(backend, dW), layer.kernel.offset);
  if (!needInput) return null;
  const dX = phase('dense input gradient', () => matMul(backend, dA, [rows, units], infoOf(layer.kernel), [inner, units], false, true));
  owned.push(dX);
  return alias(dX, [rows, inner]);
}

/** Back through a conv or depthwise conv layer, as denseBackward. */
export function convBackward(backend: BackendWasm, layer: ConvLayer, x: Info, output: Info, dA: Info, fused: Fused, needInput: boolean, out: Float32Array, owned: Info[]): Info | null {
  activationAndBias(backend, layer, output, dA, fused, out);
  const kernel = infoOf(layer.kernel);
  const xShape = x.shape as [number, number, number, number];
  const filterShape = kernel.shape as [number, number, number, number];
  const dW = phase(`${layer.kind} filter gradient`, () => {
    if (layer.kind === 'conv2d') {
      const geometry = tf.backend_util.computeConv2DInfo(xShape, filterShape, layer.strides, 1, layer.padding, undefined, false, 'channelsLast');
      return conv2dFilterGradient(backend, x, dA, geometry);
    }
    return runWasmKernel(backend, tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: dA }, { strides: layer.strides, pad: layer.padding, dilations: [1, 1], filterShape });
  });
  owned.push(dW);
  out.set(view(backend, dW), layer.kernel.offset);
  if (!needInput) return null;
  const dX = phase(`${layer.kind} input gradient`, () =>
    layer.kind === 'conv2d'
      ? runWasmKernel(backend, 'Conv2DBackpropInput', { dy: dA, filter: kernel }, { strides: layer.strides, pad: layer.padding, dataFormat: 'NHWC', inputShape: xShape })
      : runWasmKernel(backend, tf.DepthwiseConv2dNativeBackpropInput, { dy: dA, filter: kernel }, { strides: layer.strides, pad: layer.padding, dilations: [1, 1], inputShape: xShape }),
  );
  owned.push(dX);
  return dX;
}
