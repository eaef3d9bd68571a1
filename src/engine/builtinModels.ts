/**
 * Builds the built-in models in TF.js: LeNet (engine/lenet.ts), and ResNet and MobileNet as
 * functional models from their Architecture (models/architecture.ts). Initialisation follows
 * torch's defaults, as LeNet's does: conv and dense kernels (and dense biases) uniform in
 * ±1/√fan_in, batch norm with γ = 1, β = 0; each initialiser gets its own seed from the plan's, in
 * layer order, so a rerun builds identical weights. Batch norm uses torch's momentum (0.1, Keras's
 * 0.9) and epsilon (1e-5), so that a torch twin of the model learns the same moving statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { builtinArchitecture, type BuiltinModel } from '../models/builtin.js';
import type { Architecture, ArchitectureLayer } from '../models/architecture.js';
import { SeededRandom } from '../util/random.js';
import { buildLenet } from './lenet.js';

export function buildBuiltinModel(model: BuiltinModel, seed: number): tf.LayersModel {
  const architecture = builtinArchitecture(model);
  return architecture === null ? buildLenet(seed) : buildArchitecture(architecture, seed);
}

export function buildArchitecture(architecture: Architecture, seed: number): tf.LayersModel {
  const random = new SeededRandom(seed);
  const torchUniform = (fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: random.nextSeed() });
  };
  const outputs = new Map<string, tf.SymbolicTensor>();
  const input = (name: string): tf.SymbolicTensor => {
    const tensor = outputs.get(name);
    // The architectures list every layer after what it reads; a miss is a bug in one of them.
    if (tensor === undefined) throw new Error(`built-in model ${architecture.name}: layer ${name} is read before it is made`);
    return tensor;
  };
  const channelsOf = (name: string): number => input(name).shape[3] ?? 0;
  let modelInput: tf.SymbolicTensor | null = null;

  for (const layer of architecture.layers) {
    if (layer.kind === 'input') {
      modelInput = tf.input({ shape: [...layer.shape], name: layer.name });
      outputs.set(layer.name, modelInput);
      continue;
    }
    outputs.set(layer.name, applyLayer(layer, { torchUniform, input, channelsOf }));
  }
  const last = architecture.layers[architecture.layers.length - 1];
  if (modelInput === null || last === undefined) throw new Error(`built-in model ${architecture.name} has no input or no layers`);
  return tf.model({ name: architecture.name, inputs: modelInput, outputs: input(last.name) });
}

interface BuildContext {
  readonly torchUniform: (fanIn: number) => ReturnType<typeof tf.initializers.randomUniform>;
  readonly input: (name: string) => tf.SymbolicTensor;
  readonly channelsOf: (name: string) => number;
}

function applyLayer(layer: Exclude<ArchitectureLayer, { kind: 'input' }>, context: BuildContext): tf.SymbolicTensor {
  const { torchUniform, input, channelsOf } = context;
  const apply = (made: tf.layers.Layer, from: string) => made.apply(input(from)) as tf.SymbolicTensor;
  switch (layer.kind) {
    case 'conv': {
      const fanIn = channelsOf(layer.input) * layer.kernelSize * layer.kernelSize;
      const conv = tf.layers.conv2d({
        name: layer.name,
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: layer.strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: torchUniform(fanIn),
      });
      return apply(conv, layer.input);
    }
    case 'depthwise': {
      const depthwise = tf.layers.depthwiseConv2d({
        name: layer.name,
        kernelSize: layer.kernelSize,
        strides: layer.strides,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: torchUniform(layer.kernelSize * layer.kernelSize),
      });
      return apply(depthwise, layer.input);
    }
    case 'batch_norm':
      return apply(tf.layers.batchNormalization({ name: layer.name, momentum: 0.9, epsilon: 1e-5 }), layer.input);
    case 'relu':
      return apply(tf.layers.activation({ name: layer.name, activation: 'relu' }), layer.input);
    case 'relu6':
      return apply(tf.layers.reLU({ name: layer.name, maxValue: 6 }), layer.input);
    case 'add':
      return tf.layers.add({ name: layer.name }).apply(layer.inputs.map(input)) as tf.SymbolicTensor;
    case 'global_average_pool':
      return apply(tf.layers.globalAveragePooling2d({ name: layer.name }), layer.input);
    case 'dense': {
      const fanIn = input(layer.input).shape[1] ?? 0;
      const dense = tf.layers.dense({
        name: layer.name,
        units: layer.units,
        kernelInitializer: torchUniform(fanIn),
        biasInitializer: torchUniform(fanIn),
      });
      return apply(dense, layer.input);
    }
  }
}
