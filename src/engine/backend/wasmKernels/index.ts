/**
 * The training kernels the wasm backend lacks. Registration is an explicit call (made by
 * selectBackend) rather than an import side effect, so importing this module changes nothing.
 */
import * as tf from '@tensorflow/tfjs';

import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { depthwiseBackpropFilterConfig } from './depthwiseBackpropFilter.js';
import { depthwiseBackpropInputConfig } from './depthwiseBackpropInput.js';

const CONFIGS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/** Names of the kernels prune-run provides for the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = CONFIGS.map((c) => c.kernelName);

/**
 * Registers each kernel unless the wasm backend already has one of that name (from an earlier call,
 * or from a future tfjs-backend-wasm that ships its own), so calling it twice is harmless.
 * Returns the names registered by this call.
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of CONFIGS) {
    // getKernel is typed as always returning a config, but returns undefined for unknown names.
    if ((tf.getKernel(config.kernelName, 'wasm') as tf.KernelConfig | undefined) !== undefined) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
