/**
 * Which models the direct training pass (shard.ts) can run, and their layers as it needs them.
 *
 * A model with one image input and one output, Sequential or functional, whose layers form a
 * graph (each layer applied once, in topological order; a layer's output may feed several layers)
 * of the kinds layerOf.ts knows: Conv2D, DepthwiseConv2D, Dense, BatchNormalization, MaxPooling2D,
 * AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout, Add, ReLU and Activation layers,
 * each with its own trainable weights, ending in a Dense layer (its logits; or its softmax): the
 * shape of LeNet, of the built-in ResNet and MobileNet and of most small CNNs users prune.
 * Anything else (another layer or activation, a regularizer, a non-trainable or shared weight, a
 * layer applied twice, a branch that reaches no output) gets null, and training takes the general
 * path through tf.variableGrads instead: the direct pass is a speed-up, never a restriction.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OutputKind } from '../loss.js';
import type { ParameterVector } from '../parameterVector.js';
import { batchNormRecordLayout } from '../parallel/batchNormStatistics.js';
import { weightsOfLayer, type DirectLayer } from './directLayer.js';
import { layerOf, type LayerConfig } from './layerOf.js';

/** The model's input, where a node's `inputs` name it. */
export const MODEL_INPUT = -1;

export interface DirectNode {
  readonly layer: DirectLayer;
  /** The nodes it reads, as indices into DirectNet.nodes (earlier ones), or MODEL_INPUT. */
  readonly inputs: readonly number[];
  /** How many inputs of later nodes it feeds (a node read twice by an add counts twice). */
  readonly readers: number;
  /** Whether it has weights or reads a node that needs its gradient: backward passes stop before the rest. */
  readonly needsGradient: boolean;
}

export interface DirectNet {
  /** In topological order; the last is the output, a dense layer. */
  readonly nodes: readonly DirectNode[];
  /** [height, width, channels] of one input image. */
  readonly inputShape: readonly [number, number, number];
  /** Units of the last layer: the logits. */
  readonly classes: number;
  /**
   * 'probabilities' when the last layer's activation is a softmax: the pass then computes that
   * layer as linear (its logits) and the loss on them (engine/loss.ts).
   */
  readonly output: OutputKind;
  /** Values in a shard's batch-norm record (parallel/batchNormStatistics.ts), and in its backward sums. */
  readonly recordLength: number;
}

/**
 * Whether the pass can train `net` on images of `imageShape` whose labels are below `numClasses`
 * (no more than its outputs: a label is an output's index). When not,
 * autodiff runs instead and TF.js reports the mismatch as it always has.
 */
export function fitsData(net: DirectNet, imageShape: readonly number[], numClasses: number): boolean {
  return numClasses <= net.classes && net.inputShape.every((d, i) => d === imageShape[i]) && imageShape.length === 3;
}

interface BuildingNode {
  layer: DirectLayer;
  inputs: number[];
  readers: number;
  needsGradient: boolean;
}

/**
 * Each ReLU or ReLU6 layer whose input is a batch norm read by nothing else, taken into that batch
 * norm (batchNorm.ts applies it as it normalises, and its gradient as it back-propagates): one
 * pass less over the activations each way, and one buffer less. The readers of the activation
 * read the batch norm instead.
 */
function withActivationsFused(nodes: BuildingNode[]): BuildingNode[] {
  const joined = new Map<number, number>(); // activation node → the batch norm it joins
  for (const [j, node] of nodes.entries()) {
    const i = node.inputs[0]!;
    const { layer } = node;
    if (layer.kind !== 'activation' || layer.fn === 'linear' || i === MODEL_INPUT) continue;
    const before = nodes[i]!;
    if (before.layer.kind !== 'batchNorm' || before.readers !== 1 || before.layer.activation !== 'linear') continue;
    before.layer = { ...before.layer, activation: layer.fn };
    before.readers = node.readers;
    joined.set(j, i);
  }
  const renumbered = new Map<number, number>([[MODEL_INPUT, MODEL_INPUT]]);
  const kept: BuildingNode[] = [];
  for (const [j, node] of nodes.entries()) {
    if (joined.has(j)) continue;
    renumbered.set(j, kept.length);
    kept.push(node);
  }
  for (const [j, i] of joined) renumbered.set(j, renumbered.get(i)!);
  for (const node of kept) node.inputs = node.inputs.map((k) => renumbered.get(k)!);
  return kept;
}

/** The source layer of a layer's only input tensors, or null when it is applied more than once. */
function inboundLayers(layer: tf.layers.Layer): tf.layers.Layer[] | null {
  if (layer.inboundNodes.length !== 1) return null;
  const node = layer.inboundNodes[0]!;
  if (node.outputTensors.length !== 1 || node.tensorIndices.some((t) => t !== 0) || node.nodeIndices.some((n) => n !== 0)) return null;
  return node.inboundLayers;
}

/** The model as the direct pass runs it, or null when it needs the general path (see the header). */
export function directNetOf(model: tf.LayersModel, vector: ParameterVector): DirectNet | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const input = model.inputs[0]!.shape;
  if (input.length !== 4 || input.slice(1).some((d) => d === null)) return null;
  const inputLayer = model.inputs[0]!.sourceLayer;
  const outputLayer = model.outputs[0]!.sourceLayer;
  const { offsets: recordOffsets, length: recordLength } = batchNormRecordLayout(model);

  const index = new Map<tf.layers.Layer, number>([[inputLayer, MODEL_INPUT]]);
  const shapes: (readonly (number | null)[])[] = [];
  const nodes: BuildingNode[] = [];
  const shapeOf = (i: number) => (i === MODEL_INPUT ? input : shapes[i]!);
  for (const layer of model.layers) {
    if (layer === inputLayer) continue;
    const sources = inboundLayers(layer);
    const inputs = sources?.map((s) => index.get(s));
    if (inputs === undefined || inputs.length === 0 || inputs.some((i) => i === undefined)) return null;
    const inputIds = inputs as number[];
    const config: LayerConfig = { last: layer === outputLayer, inputShapes: inputIds.map(shapeOf), recordOffset: recordOffsets.get(layer) ?? null };
    const direct = layerOf(layer, vector, config);
    const outputShape = layer.outputShape;
    if (direct === null || !Array.isArray(outputShape) || Array.isArray(outputShape[0])) return null;
    for (const i of inputIds) if (i !== MODEL_INPUT) nodes[i]!.readers++;
    const needsGradient = weightsOfLayer(direct).length > 0 || inputIds.some((i) => i !== MODEL_INPUT && nodes[i]!.needsGradient);
    index.set(layer, nodes.length);
    shapes.push(outputShape as (number | null)[]);
    nodes.push({ layer: direct, inputs: inputIds, readers: 0, needsGradient });
  }
  // The output is the last node, a dense layer; every other node feeds a later one.
  const last = nodes.at(-1);
  if (last === undefined || index.get(outputLayer) !== nodes.length - 1 || last.layer.kind !== 'dense') return null;
  if (nodes.some((n, i) => n.readers === 0 && i !== nodes.length - 1)) return null;
  // Every trainable weight gets its gradient from the pass, each once.
  const covered = new Set(nodes.flatMap((n) => weightsOfLayer(n.layer).map((w) => w.offset)));
  if (covered.size !== vector.slots.length || nodes.reduce((n, node) => n + weightsOfLayer(node.layer).length, 0) !== covered.size) return null;
  const output = (outputLayer.getConfig() as Record<string, unknown>)['activation'] === 'softmax' ? 'probabilities' : 'logits';
  return { nodes: withActivationsFused(nodes), inputShape: [input[1]!, input[2]!, input[3]!], classes: last.layer.kernel.variable.shape[1]!, output, recordLength };
}
