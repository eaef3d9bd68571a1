/**
 * Small helpers for kernels that run on the wasm backend by calling its own kernels directly.
 *
 * Calling `kernelFunc` bypasses the engine, so its outputs are not tracked tensors: whoever makes
 * one must give it back with `release`, or the wasm heap leaks without `tf.memory()` noticing.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { EngineError } from '../../../errors.js';

/** The arguments every kernel function receives; `backend` is the wasm backend for ours. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The wasm backend of a kernel call (our kernels are registered for 'wasm' only). */
export function wasmBackendOf(args: KernelArgs): BackendWasm {
  return args.backend as BackendWasm;
}

/** A named input of a kernel call, or a clear error if the caller left it out. */
export function requireInput(args: KernelArgs, name: string, kernelName: string): tf.TensorInfo {
  const input = args.inputs[name];
  if (input === undefined) {
    throw new EngineError('WASM_KERNEL_INPUT', `${kernelName}: input '${name}' is missing`);
  }
  if (input.dtype !== 'float32') {
    throw new EngineError('WASM_KERNEL_INPUT', `${kernelName}: input '${name}' must be float32, got ${input.dtype}`);
  }
  return input;
}

/** Runs one of the wasm backend's own kernels on backend data, outside the engine. */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  // getKernel is typed as always returning a config, but returns undefined for unknown names.
  const kernel = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
  if (kernel === undefined) {
    throw new EngineError('WASM_KERNEL_MISSING', `the wasm backend has no ${kernelName} kernel`);
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new EngineError('WASM_KERNEL_MISSING', `the wasm ${kernelName} kernel returned several outputs`);
  }
  return out;
}

/** Frees an intermediate made by `runWasmKernel` or `makeOutput` (refcount-aware). */
export function release(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** The 4-D shape of a tensor info, checked: kernels index it with fixed positions. */
export function shape4(info: tf.TensorInfo, what: string): [number, number, number, number] {
  const s = info.shape;
  if (s.length !== 4) throw new EngineError('WASM_KERNEL_INPUT', `${what} must be 4-D, got shape [${s.join(', ')}]`);
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

/**
 * Copies the top-left [B, height, width, C] corner of an NHWC tensor into a new one. Written
 * against heap views because the wasm Slice kernel first copies all of `x` out of the heap.
 */
export function cropNhwc(backend: BackendWasm, x: tf.TensorInfo, height: number, width: number): tf.TensorInfo {
  const [batch, inHeight, inWidth, channels] = shape4(x, 'cropNhwc input');
  const out = backend.makeOutput([batch, height, width, channels], 'float32');
  // Views are taken after the allocation above: a heap growth detaches older views.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const rowLength = width * channels;
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < height; h++) {
      const from = ((b * inHeight + h) * inWidth) * channels;
      dst.set(src.subarray(from, from + rowLength), at);
      at += rowLength;
    }
  }
  return out;
}
