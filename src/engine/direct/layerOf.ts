/**
 * One TF.js layer as the direct pass runs it (net.ts), or null when the pass cannot: another
 * layer class or activation, a regularizer, a weight that is not the layer's own trainable one, an
 * option the pass does not implement (dilation, channels first, a dropout noise shape, batch norm
 * without centre or scale or over another axis), or an input of the wrong rank (a Dense layer
 * applied to images is left to TF.js, which maps it over the last axis).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParameterVector } from '../parameterVector.js';
import type { DirectLayer, WeightRef } from './directLayer.js';

type Config = Record<string, unknown>;
type Shape = readonly (number | null)[];

/** What the graph around the layer says about it. */
export interface LayerConfig {
  /** Whether it is the model's output layer (whose softmax the loss takes over). */
  readonly last: boolean;
  /** Shapes of its inputs, batch axis first (null). */
  readonly inputShapes: readonly Shape[];
  /** Where a batch-norm layer's statistics go in a shard's record; null for other layers. */
  readonly recordOffset: number | null;
}

function pair(value: unknown): [number, number] | null {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return null;
}

const REGULARIZERS = ['kernelRegularizer', 'depthwiseRegularizer', 'biasRegularizer', 'activityRegularizer', 'gammaRegularizer', 'betaRegularizer'];

const hasRegularizer = (config: Config) => REGULARIZERS.some((key) => config[key] !== null && config[key] !== undefined);

/**
 * The layer's activation as the pass fuses it: true = ReLU, false = linear (or the output layer's
 * softmax, see DirectNet.output), null = other.
 */
function reluOf(config: Config, last: boolean): boolean | null {
  if (hasRegularizer(config)) return null;
  if (config['activation'] === 'relu') return true;
  if (config['activation'] === 'linear' || (last && config['activation'] === 'softmax')) return false;
  return null;
}

/**
 * The layer's weights named `suffixes` (in this order) as slots of `vector`, or null if the layer
 * has other weights than these and `untrained`, or one of them is not in the vector (not trainable).
 */
function weightsOf(layer: tf.layers.Layer, vector: ParameterVector, suffixes: readonly string[], untrained: readonly string[] = []): WeightRef[] | null {
  if (layer.weights.length !== suffixes.length + untrained.length) return null;
  if (untrained.some((suffix) => layer.weights.find((w) => w.originalName === `${layer.name}/${suffix}`)?.trainable !== false)) return null;
  const refs: WeightRef[] = [];
  for (const suffix of suffixes) {
    const weight = layer.weights.find((w) => w.originalName === `${layer.name}/${suffix}`);
    if (weight === undefined) return null;
    const index = vector.slots.findIndex((s) => s.name === weight.originalName);
    const variable = vector.trainable[index];
    // The vector's variable must be this weight's own (two layers could share a name across models).
    if (index < 0 || variable === undefined || variable !== weight.read()) return null;
    refs.push({ variable, offset: vector.slots[index]!.offset, size: vector.slots[index]!.size });
  }
  return refs;
}

/** Kernel and bias of a conv, depthwise conv or dense layer. */
function kernelAndBias(layer: tf.layers.Layer, vector: ParameterVector, config: Config, kernel: string): { kernel: WeightRef; bias: WeightRef | null } | null {
  const useBias = config['useBias'] === true;
  const refs = weightsOf(layer, vector, useBias ? [kernel, 'bias'] : [kernel]);
  return refs === null ? null : { kernel: refs[0]!, bias: refs[1] ?? null };
}

/** Strides, padding and activation of a conv or pool, when the pass supports them (channels last, no dilation). */
function window(config: Config, stridesKey: string): { strides: [number, number]; padding: 'valid' | 'same' } | null {
  const strides = pair(config[stridesKey]);
  const dilation = pair(config['dilationRate'] ?? 1);
  const padding = config['padding'];
  if (strides === null || dilation === null || dilation[0] !== 1 || dilation[1] !== 1) return null;
  if (config['dataFormat'] !== 'channelsLast' || (padding !== 'valid' && padding !== 'same')) return null;
  return { strides, padding };
}

function batchNormOf(layer: tf.layers.Layer, vector: ParameterVector, config: Config, context: LayerConfig): DirectLayer | null {
  const rank = context.inputShapes[0]!.length;
  const axis = config['axis'];
  const epsilon = config['epsilon'];
  if (context.recordOffset === null || (axis !== -1 && axis !== rank - 1) || typeof epsilon !== 'number' || hasRegularizer(config)) return null;
  if (config['center'] !== true || config['scale'] !== true) return null;
  const refs = weightsOf(layer, vector, ['gamma', 'beta'], ['moving_mean', 'moving_variance']);
  return refs === null ? null : { kind: 'batchNorm', name: layer.name, gamma: refs[0]!, beta: refs[1]!, epsilon, recordOffset: context.recordOffset, activation: 'linear' };
}

function activationOf(className: string, name: string, config: Config): DirectLayer | null {
  if (className === 'ReLU') {
    const max = config['maxValue'] ?? null;
    return max === null ? { kind: 'activation', name, fn: 'relu' } : max === 6 ? { kind: 'activation', name, fn: 'relu6' } : null;
  }
  const fn = config['activation'];
  return fn === 'relu' || fn === 'relu6' || fn === 'linear' ? { kind: 'activation', name, fn } : null;
}

/** The layer's kind as the pass needs it, ignoring input ranks (checked by layerOf). */
function kindOf(layer: tf.layers.Layer, vector: ParameterVector, context: LayerConfig): DirectLayer | null {
  const config = layer.getConfig() as Config;
  const name = layer.name;
  const className = layer.getClassName();
  const noWeights = layer.weights.length === 0;
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const relu = reluOf(config, false);
      const geometry = window(config, 'strides');
      if (relu === null || geometry === null || (className === 'DepthwiseConv2D' && typeof config['depthMultiplier'] !== 'number')) return null;
      const weights = kernelAndBias(layer, vector, config, className === 'Conv2D' ? 'kernel' : 'depthwise_kernel');
      if (weights === null) return null;
      return { kind: className === 'Conv2D' ? 'conv2d' : 'depthwise', name, ...weights, ...geometry, relu };
    }
    case 'Dense': {
      const relu = reluOf(config, context.last);
      const weights = relu === null ? null : kernelAndBias(layer, vector, config, 'kernel');
      return relu === null || weights === null ? null : { kind: 'dense', name, ...weights, relu };
    }
    case 'BatchNormalization':
      return batchNormOf(layer, vector, config, context);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const poolSize = pair(config['poolSize']);
      const geometry = window({ ...config, dilationRate: 1 }, config['strides'] === null || config['strides'] === undefined ? 'poolSize' : 'strides');
      if (poolSize === null || geometry === null || !noWeights) return null;
      return { kind: className === 'MaxPooling2D' ? 'maxPool' : 'avgPool', name, poolSize, ...geometry };
    }
    case 'GlobalAveragePooling2D':
      return (config['dataFormat'] ?? 'channelsLast') === 'channelsLast' && config['keepDims'] !== true && noWeights ? { kind: 'globalAvgPool', name } : null;
    case 'Dropout': {
      const rate = config['rate'];
      // A noise shape (masks shared along some axes) is left to TF.js.
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1) || (config['noiseShape'] ?? null) !== null || !noWeights) return null;
      return { kind: 'dropout', name, rate };
    }
    case 'Flatten':
      // A Flatten's config names a data format only when it is not the default, channels last.
      return (config['dataFormat'] ?? 'channelsLast') === 'channelsLast' && noWeights ? { kind: 'flatten', name } : null;
    case 'Activation':
    case 'ReLU':
      return noWeights ? activationOf(className, name, config) : null;
    case 'Add':
      return noWeights ? { kind: 'add', name } : null;
    default:
      return null;
  }
}

/** The input rank each kind takes (null: any), and how many inputs. */
function fitsInputs(layer: DirectLayer, shapes: readonly Shape[]): boolean {
  if (shapes.some((s) => s.slice(1).some((d) => d === null))) return false;
  if (layer.kind === 'add') return shapes.length >= 2 && shapes.every((s) => s.length === shapes[0]!.length && s.every((d, i) => d === shapes[0]![i]));
  if (shapes.length !== 1) return false;
  const rank = shapes[0]!.length;
  switch (layer.kind) {
    case 'dense':
      return rank === 2;
    case 'conv2d':
    case 'depthwise':
    case 'maxPool':
    case 'avgPool':
    case 'globalAvgPool':
      return rank === 4;
    default:
      return rank >= 2;
  }
}

export function layerOf(layer: tf.layers.Layer, vector: ParameterVector, context: LayerConfig): DirectLayer | null {
  if (context.inputShapes.length === 0) return null;
  const direct = kindOf(layer, vector, context);
  return direct !== null && fitsInputs(direct, context.inputShapes) ? direct : null;
}
