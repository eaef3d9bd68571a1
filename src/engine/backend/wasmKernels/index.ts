/**
 * The training kernels the wasm backend lacks, and faster versions of some it has. Registration is
 * an explicit call (made by selectBackend) rather than an import side effect, so importing this
 * module changes nothing.
 */
import * as tf from '@tensorflow/tfjs';

import { addOverride } from './add.js';
import { batchMatMulOverride } from './batchMatMul.js';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputOverride } from './conv2dBackpropInput.js';
import { depthwiseBackpropFilterConfig } from './depthwiseBackpropFilter.js';
import { depthwiseBackpropInputConfig } from './depthwiseBackpropInput.js';
import { fusedBatchNormOverride } from './fusedBatchNorm.js';
import { maxPoolGradOverride } from './maxPoolGrad.js';
import { installOverride, type KernelOverride } from './override.js';
import { sumOverride } from './sum.js';

const CONFIGS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/**
 * Kernels the backend has but runs slowly in training (measured on LeNet: bench/kernels.md) or, for
 * FusedBatchNorm, in evaluation: each override takes the cases it is fast for and leaves the rest
 * to the backend's kernel.
 */
const OVERRIDES: readonly KernelOverride[] = [
  maxPoolGradOverride,
  conv2dBackpropInputOverride,
  batchMatMulOverride,
  sumOverride,
  addOverride,
  fusedBatchNormOverride,
];

/** Names of the kernels prune-run provides for the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = CONFIGS.map((c) => c.kernelName);

/** Names of the wasm backend's own kernels that prune-run puts a faster path in front of. */
export const WASM_KERNEL_OVERRIDES: readonly string[] = OVERRIDES.map((o) => o.kernelName);

/**
 * Registers each kernel unless the wasm backend already has one of that name (from an earlier call,
 * or from a future tfjs-backend-wasm that ships its own), and installs each override once, so
 * calling it twice is harmless. Returns the names of the missing kernels registered by this call
 * (overrides replace existing kernels and are not listed).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of CONFIGS) {
    // getKernel is typed as always returning a config, but returns undefined for unknown names.
    if ((tf.getKernel(config.kernelName, 'wasm') as tf.KernelConfig | undefined) !== undefined) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  for (const override of OVERRIDES) installOverride(override);
  return registered;
}
