/**
 * Faster versions of kernels the wasm backend already has. An override wraps the backend's own
 * kernel: it handles the cases it was written for and hands every other call to the original,
 * so registering one can only change speed, never which calls are supported.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelArgs } from './wasmOps.js';

/** A fast path for one kernel; returns null to let the backend's own kernel do the call. */
export type FastPath = (args: KernelArgs, original: tf.KernelFunc) => tf.TensorInfo | null;

export interface KernelOverride {
  readonly kernelName: string;
  readonly fastPath: FastPath;
}

/** The original configs of the kernels replaced in this process, by kernel name. */
const originals = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<tf.KernelConfig>();

/**
 * Replaces the wasm kernel `override.kernelName` by one that tries the fast path first. Returns
 * false (and changes nothing) if our override is already in place or the backend has no such kernel.
 */
export function installOverride(override: KernelOverride): boolean {
  // getKernel is typed as always returning a config, but returns undefined for unknown names.
  const current = tf.getKernel(override.kernelName, 'wasm') as tf.KernelConfig | undefined;
  if (current === undefined || ours.has(current)) return false;
  const original = current;
  const { fastPath } = override;
  const config: tf.KernelConfig = {
    kernelName: override.kernelName,
    backendName: 'wasm',
    // The engine calls setupFunc on every switch to the backend: the original still needs it.
    ...(original.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
    ...(original.disposeFunc === undefined ? {} : { disposeFunc: original.disposeFunc }),
    kernelFunc: (args) => fastPath(args, original.kernelFunc) ?? original.kernelFunc(args),
  };
  tf.unregisterKernel(override.kernelName, 'wasm');
  tf.registerKernel(config);
  ours.add(config);
  originals.set(override.kernelName, original);
  return true;
}

/** The backend's own kernel function that an installed override wraps (for tests and comparisons). */
export function originalKernel(kernelName: string): tf.KernelFunc | undefined {
  return originals.get(kernelName)?.kernelFunc;
}
