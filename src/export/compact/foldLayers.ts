/**
 * Folding for inference (export.fold_batch_norm): a batch norm that reads only a conv, depthwise
 * conv or dense layer (linear activation, read by nothing else) becomes part of that layer's
 * kernel and bias, w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β, per output channel; then a
 * ReLU layer (or Activation relu) that reads only such a layer becomes its `activation`. TF.js
 * runs a conv with its bias and ReLU as one fused kernel, so a conv → batch norm → ReLU triple
 * becomes one op — what TFLite's and ONNX Runtime's converters do. TF.js's batch norm kernel on
 * wasm divides by a square root per entry, which makes it the slowest layer of a MobileNet. The outputs equal the
 * unfolded model's up to float rounding; the folded model has no batch norm left to train, which
 * is why it is asked for, not done by default.
 */
import * as tf from '@tensorflow/tfjs';
import type { HostArray } from './hostArray.js';
import { LayerWeights } from './layerWeights.js';

/** A functional model's layer entry in getConfig(): inbound calls as [layer, node, tensor, kwargs]. */
interface LayerEntry {
  name: string;
  className: string;
  config: tf.serialization.ConfigDict;
  inboundNodes?: [string, number, number, unknown][][];
}

type Reference = [string, number, number];

const FOLDS_INTO = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

/**
 * The activation a standalone activation layer applies, when folding it into a producer pays: only
 * ReLU, which the wasm backend runs inside the fused conv or matmul kernel. A layer's relu6
 * activation runs as a separate broadcast Minimum that costs more than the ReLU6 layer's own
 * ClipByValue (MobileNet, 500 images: 35 ms against 3 ms), so ReLU6 stays a layer.
 */
function activationOf(entry: LayerEntry): string | null {
  const relu =
    (entry.className === 'Activation' && entry.config['activation'] === 'relu') ||
    (entry.className === 'ReLU' && (entry.config['maxValue'] === null || entry.config['maxValue'] === undefined));
  return relu ? 'relu' : null;
}

const isLinear = (entry: LayerEntry) => (entry.config['activation'] ?? 'linear') === 'linear';

/** Each layer's readers (by name), and the layers that are model outputs. */
function readersOf(entries: readonly LayerEntry[], outputs: readonly Reference[]): Map<string, string[]> {
  const readers = new Map<string, string[]>(entries.map((e) => [e.name, []]));
  for (const entry of entries) for (const node of entry.inboundNodes ?? []) for (const [from] of node) readers.get(from)?.push(entry.name);
  for (const [name] of outputs) readers.get(name)?.push('<output>');
  return readers;
}

/** The one layer `entry` reads, when it is called once on one input. */
function soleInput(entry: LayerEntry): string | null {
  const nodes = entry.inboundNodes ?? [];
  return nodes.length === 1 && nodes[0]!.length === 1 ? nodes[0]![0]![0] : null;
}

/** γ/√(σ²+ε) and the shift (−μ·scale + β) per channel, from a batch norm's weights. */
function normOf(entry: LayerEntry, weights: LayerWeights): { scale: Float64Array; shift: Float64Array } {
  const mean = weights.get('moving_mean')!.values;
  const variance = weights.get('moving_variance')!.values;
  const gamma = weights.get('gamma')?.values;
  const beta = weights.get('beta')?.values;
  const epsilon = Number(entry.config['epsilon'] ?? 1e-3);
  const scale = Float64Array.from(mean, (_, c) => (gamma?.[c] ?? 1) / Math.sqrt(variance[c]! + epsilon));
  const shift = Float64Array.from(mean, (m, c) => -m * scale[c]! + (beta?.[c] ?? 0));
  return { scale, shift };
}

/** A producer's kernel and bias (absent when it has none), in setWeights' order. */
interface ProducerArrays {
  readonly kernel: HostArray;
  readonly bias?: HostArray;
}

function producerArrays(producer: LayerEntry, weights: LayerWeights): ProducerArrays {
  const kernel = weights.get(producer.className === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel')!;
  const bias = weights.get('bias');
  return bias === undefined ? { kernel } : { kernel, bias };
}

/** The producer's kernel and bias with the norm folded in (the bias made when the producer had none). */
function foldedArrays({ kernel, bias }: ProducerArrays, norm: { scale: Float64Array; shift: Float64Array }): Required<ProducerArrays> {
  const channels = norm.scale.length;
  // An entry's output channel is its index along the last axis; a depthwise kernel [kh, kw, in, mult] makes channel in·mult + m, the same index.
  const values = Float32Array.from(kernel.values, (w, i) => w * norm.scale[i % channels]!);
  const folded = Float32Array.from(norm.scale, (s, c) => (bias?.values[c] ?? 0) * s + norm.shift[c]!);
  return { kernel: { shape: kernel.shape, values }, bias: { shape: [channels], values: folded } };
}

function rewire(entries: LayerEntry[], outputs: Reference[], from: string, to: string): void {
  for (const entry of entries) for (const node of entry.inboundNodes ?? []) for (const call of node) if (call[0] === from) call[0] = to;
  for (const output of outputs) if (output[0] === from) output[0] = to;
}

export interface FoldResult {
  readonly model: tf.LayersModel;
  /** Batch norms folded into the layer they read, and activation layers made a layer's activation. */
  readonly folded: readonly { readonly layer: string; readonly into: string }[];
}

/** A new model with every foldable batch norm and activation layer folded; `model` is only read. */
export function foldForInference(model: tf.LayersModel): FoldResult {
  const config = structuredClone(model.getConfig());
  const entries = config['layers'] as unknown as LayerEntry[];
  const sequential = model instanceof tf.Sequential;
  // A Sequential config has no wiring: each layer reads the one before (the first, the model's input).
  if (sequential) entries.forEach((entry, i) => (entry.inboundNodes = [[[i === 0 ? '<input>' : (entries[i - 1]!.config['name'] as string), 0, 0, {}]]]));
  for (const entry of entries) entry.name ??= entry.config['name'] as string;
  const outputs = (sequential ? [[entries.at(-1)!.name, 0, 0]] : config['outputLayers']) as Reference[];
  const weights = new Map(model.layers.map((layer) => [layer.name, LayerWeights.read(layer)]));
  const replaced = new Map<string, Required<ProducerArrays>>();
  const folded: { layer: string; into: string }[] = [];
  const byName = new Map(entries.map((e) => [e.name, e]));
  const drop = (entry: LayerEntry, into: LayerEntry) => {
    rewire(entries, outputs, entry.name, into.name);
    entries.splice(entries.indexOf(entry), 1);
    folded.push({ layer: entry.name, into: into.name });
  };
  /** The producer `entry` alone reads, when folding into it keeps the model's outputs. */
  const foldTarget = (entry: LayerEntry): LayerEntry | null => {
    const input = soleInput(entry);
    const producer = input === null ? undefined : byName.get(input);
    if (producer === undefined || !FOLDS_INTO.has(producer.className) || !isLinear(producer) || (producer.inboundNodes ?? []).length !== 1) return null;
    return readersOf(entries, outputs).get(producer.name)?.length === 1 ? producer : null;
  };
  for (const entry of entries.filter((e) => e.className === 'BatchNormalization')) {
    const axis = entry.config['axis'];
    const producer = foldTarget(entry);
    if (producer === null || !(axis === -1 || (Array.isArray(axis) && axis.length === 1 && axis[0] === -1) || axis === 3)) continue;
    const arrays = replaced.get(producer.name) ?? producerArrays(producer, weights.get(producer.name)!);
    replaced.set(producer.name, foldedArrays(arrays, normOf(entry, weights.get(entry.name)!)));
    producer.config['useBias'] = true;
    drop(entry, producer);
  }
  for (const entry of entries.filter((e) => activationOf(e) !== null)) {
    const producer = foldTarget(entry);
    if (producer === null) continue;
    producer.config['activation'] = activationOf(entry);
    drop(entry, producer);
  }
  if (sequential) for (const entry of entries) delete entry.inboundNodes;
  const rebuilt = sequential
    ? tf.Sequential.fromConfig<tf.Sequential>(tf.Sequential, config, {}, true)
    : tf.LayersModel.fromConfig<tf.LayersModel>(tf.LayersModel, config, {}, true);
  try {
    tf.tidy(() => {
      for (const layer of rebuilt.layers) {
        const own = replaced.get(layer.name);
        const arrays = own !== undefined ? [own.kernel, own.bias] : (weights.get(layer.name)?.arrays ?? []);
        if (arrays.length > 0) layer.setWeights(arrays.map((a) => tf.tensor(a.values, [...a.shape], 'float32')));
      }
    });
  } catch (error) {
    rebuilt.dispose();
    throw error;
  }
  return { model: rebuilt, folded };
}
