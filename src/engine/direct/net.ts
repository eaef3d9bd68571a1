/**
 * Which models the direct training pass (shard.ts) can run, and their layers as it needs them.
 *
 * A tf.Sequential of Conv2D (channels last, no dilation), MaxPooling2D, Flatten, Dropout and Dense layers,
 * each conv/dense with a linear or ReLU activation (the output layer may also end in a softmax) and
 * its own trainable kernel (and bias): the shape of LeNet and of most small CNNs users prune.
 * Anything else (another layer or activation, a regularizer, a non-trainable or shared weight)
 * gets null, and training takes the general path through tf.variableGrads instead: the direct
 * pass is a speed-up, never a restriction.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OutputKind } from '../loss.js';
import type { ParameterVector } from '../parameterVector.js';

export interface WeightRef {
  /** The variable whose current data the pass reads (assign keeps the object, changes its data). */
  readonly variable: tf.Variable;
  /** Where the weight's gradient goes in the flat gradient vector. */
  readonly offset: number;
  readonly size: number;
}

export type DirectLayer =
  | {
      readonly kind: 'conv2d';
      readonly name: string;
      readonly kernel: WeightRef;
      readonly bias: WeightRef | null;
      readonly strides: [number, number];
      readonly padding: 'valid' | 'same';
      readonly relu: boolean;
    }
  | {
      readonly kind: 'maxPool';
      readonly name: string;
      readonly poolSize: [number, number];
      readonly strides: [number, number];
      readonly padding: 'valid' | 'same';
    }
  | { readonly kind: 'flatten'; readonly name: string }
  /** Dropout, with masks drawn from the shard's images (shard.ts), not from TF.js's generator. */
  | { readonly kind: 'dropout'; readonly name: string; readonly rate: number }
  | { readonly kind: 'dense'; readonly name: string; readonly kernel: WeightRef; readonly bias: WeightRef | null; readonly relu: boolean };

export interface DirectNet {
  readonly layers: readonly DirectLayer[];
  /** [height, width, channels] of one input image. */
  readonly inputShape: readonly [number, number, number];
  /** Units of the last layer: the logits. */
  readonly classes: number;
  /**
   * 'probabilities' when the last layer's activation is a softmax: the pass then computes that
   * layer as linear (its logits) and the loss on them (engine/loss.ts).
   */
  readonly output: OutputKind;
}

/**
 * Whether the pass can train `net` on images of `imageShape` with `numClasses` labels. When not,
 * autodiff runs instead and TF.js reports the mismatch as it always has.
 */
export function fitsData(net: DirectNet, imageShape: readonly number[], numClasses: number): boolean {
  return net.classes === numClasses && net.inputShape.every((d, i) => d === imageShape[i]) && imageShape.length === 3;
}

type Config = Record<string, unknown>;

function pair(value: unknown): [number, number] | null {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return null;
}

const REGULARIZERS = ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * The layer's activation as the pass supports it: true = ReLU, false = linear (or the output
 * layer's softmax, see DirectNet.output), null = other.
 */
function reluOf(config: Config, last: boolean): boolean | null {
  if (REGULARIZERS.some((key) => config[key] !== null && config[key] !== undefined)) return null;
  if (config['activation'] === 'relu') return true;
  if (config['activation'] === 'linear' || (last && config['activation'] === 'softmax')) return false;
  return null;
}

/**
 * The layer's kernel and bias as slots of `vector`, or null if the layer has other weights, a
 * weight that is not in the vector (not trainable), or a kernel of another size.
 */
function weightsOf(layer: tf.layers.Layer, vector: ParameterVector, useBias: boolean): { kernel: WeightRef; bias: WeightRef | null } | null {
  const expected = useBias ? 2 : 1;
  if (layer.weights.length !== expected) return null;
  const ref = (suffix: string): WeightRef | null => {
    const weight = layer.weights.find((w) => w.originalName === `${layer.name}/${suffix}`);
    if (weight === undefined) return null;
    const index = vector.slots.findIndex((s) => s.name === weight.originalName);
    const variable = vector.trainable[index];
    // The vector's variable must be this weight's own (two layers could share a name across models).
    if (index < 0 || variable === undefined || variable !== weight.read()) return null;
    return { variable, offset: vector.slots[index]!.offset, size: vector.slots[index]!.size };
  };
  const kernel = ref('kernel');
  const bias = useBias ? ref('bias') : null;
  if (kernel === null || (useBias && bias === null)) return null;
  return { kernel, bias };
}

function layerOf(layer: tf.layers.Layer, vector: ParameterVector, last: boolean): DirectLayer | null {
  const config = layer.getConfig() as Config;
  const name = layer.name;
  switch (layer.getClassName()) {
    case 'Conv2D': {
      const relu = reluOf(config, false);
      const strides = pair(config['strides']);
      const dilation = pair(config['dilationRate']);
      const padding = config['padding'];
      if (relu === null || strides === null || dilation === null || dilation[0] !== 1 || dilation[1] !== 1) return null;
      if (config['dataFormat'] !== 'channelsLast' || (padding !== 'valid' && padding !== 'same')) return null;
      const weights = weightsOf(layer, vector, config['useBias'] === true);
      return weights === null ? null : { kind: 'conv2d', name, ...weights, strides, padding, relu };
    }
    case 'MaxPooling2D': {
      const poolSize = pair(config['poolSize']);
      const strides = pair(config['strides'] ?? config['poolSize']);
      const padding = config['padding'];
      if (poolSize === null || strides === null || config['dataFormat'] !== 'channelsLast' || (padding !== 'valid' && padding !== 'same')) return null;
      return layer.weights.length === 0 ? { kind: 'maxPool', name, poolSize, strides, padding } : null;
    }
    case 'Dropout': {
      const rate = config['rate'];
      // A noise shape (masks shared along some axes) is left to TF.js.
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1) || (config['noiseShape'] ?? null) !== null || layer.weights.length !== 0) return null;
      return { kind: 'dropout', name, rate };
    }
    case 'Flatten':
      // A Flatten's config names a data format only when it is not the default, channels last.
      return (config['dataFormat'] ?? 'channelsLast') === 'channelsLast' && layer.weights.length === 0 ? { kind: 'flatten', name } : null;
    case 'Dense': {
      const relu = reluOf(config, last);
      if (relu === null) return null;
      const weights = weightsOf(layer, vector, config['useBias'] === true);
      return weights === null ? null : { kind: 'dense', name, ...weights, relu };
    }
    default:
      return null;
  }
}

/** The model as the direct pass runs it, or null when it needs the general path (see the header). */
export function directNetOf(model: tf.LayersModel, vector: ParameterVector): DirectNet | null {
  if (model.getClassName() !== 'Sequential' || model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const input = model.inputs[0]!.shape;
  if (input.length !== 4 || input.slice(1).some((d) => d === null)) return null;
  const layers: DirectLayer[] = [];
  // Conv and pool layers take images (rank 4), dense layers rows (rank 2): a Dense applied to an
  // image (TF.js maps it over the last axis) is left to autodiff.
  let rank = 4;
  for (const [i, layer] of model.layers.entries()) {
    const direct = layerOf(layer, vector, i === model.layers.length - 1);
    if (direct === null) return null;
    if ((direct.kind === 'dense' ? 2 : direct.kind === 'flatten' || direct.kind === 'dropout' ? rank : 4) !== rank) return null;
    if (direct.kind === 'flatten' || direct.kind === 'dense') rank = 2;
    layers.push(direct);
  }
  // Every trainable weight must get its gradient from the pass, and the model must end in logits.
  const covered = layers.reduce((n, l) => n + (l.kind === 'conv2d' || l.kind === 'dense' ? 1 + (l.bias === null ? 0 : 1) : 0), 0);
  const last = layers.at(-1);
  if (covered !== vector.slots.length || last?.kind !== 'dense') return null;
  const output = (model.layers.at(-1)!.getConfig() as Config)['activation'] === 'softmax' ? 'probabilities' : 'logits';
  return { layers, inputShape: [input[1]!, input[2]!, input[3]!], classes: last.kernel.variable.shape[1]!, output };
}
