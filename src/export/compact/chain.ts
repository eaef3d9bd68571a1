/**
 * The model as an ordered chain of layers, each fed by the one before: the chain path of
 * compaction (plan.ts) folds a removed channel's constant into the single layer that reads it,
 * which is only sound when the graph is a chain: with a branch or a merge, a channel has several
 * readers (or is added to another tensor). compactModel sends such models to the graph path
 * (graph.ts); anything the chain check still meets is refused here, before any weight is read.
 */
import * as tf from '@tensorflow/tfjs';
import { kindOf, type LayerKind } from '../../layers/index.js';
import { COMPACT_CHAIN_ONLY } from '../../models/merges.js';

export type Dims = readonly (number | null)[];

export interface ChainNode {
  readonly layer: tf.layers.Layer;
  readonly name: string;
  readonly className: string;
  /** What prune-run knows about the layer's class; undefined for a class it does not describe. */
  readonly kind: LayerKind | undefined;
  readonly config: tf.serialization.ConfigDict;
  /** The layer's input shape in the original model, batch dimension first. */
  readonly inputShape: Dims;
}

const CHAIN_ONLY = COMPACT_CHAIN_ONLY;

export interface NamedLayer {
  readonly name: string;
  readonly className: string;
}

/** The caller's error for a layer that breaks the chain, and why. */
export type ChainRefusal = (layer: NamedLayer, reason: string) => Error;

/** One entry of a functional model's config: which layers feed each call of a layer. */
interface GraphEntry {
  readonly name: string;
  readonly className: string;
  /** Per call (node) of the layer, the names of the layers whose outputs it takes. */
  readonly calls: readonly (readonly string[])[];
}

function graphEntries(model: tf.LayersModel): GraphEntry[] {
  const layers = model.getConfig()['layers'];
  if (!Array.isArray(layers)) throw new Error('internal: a functional model config has no layers list');
  return layers.map((raw) => {
    const entry = raw as { name: string; className: string; inboundNodes: unknown[][] };
    // Each inbound node is a list of [layerName, nodeIndex, tensorIndex, kwargs].
    const calls = entry.inboundNodes.map((node) => node.map((inbound) => String((inbound as unknown[])[0])));
    return { name: entry.name, className: entry.className, calls };
  });
}

/** Refuses anything but input → layer → … → output, one call each. */
function checkFunctionalChain(model: tf.LayersModel, unsupported: ChainRefusal): void {
  const entries = graphEntries(model);
  const classOf = new Map(entries.map((e) => [e.name, e.className]));
  for (const entry of entries) {
    const merge = kindOf(entry.className)?.merge;
    if (merge !== undefined && merge !== null) throw unsupported(entry, `${merge} joins several branches; ${CHAIN_ONLY}`);
  }
  const readers = new Map<string, string[]>();
  for (const entry of entries) {
    if (entry.calls.length > 1) {
      throw unsupported(entry, `it is called ${entry.calls.length} times (a shared layer); ${CHAIN_ONLY}`);
    }
    const inputs = entry.calls[0] ?? [];
    if (inputs.length > 1) throw unsupported(entry, `it takes ${inputs.length} inputs; ${CHAIN_ONLY}`);
    for (const input of inputs) readers.set(input, [...(readers.get(input) ?? []), entry.name]);
  }
  for (const [name, readBy] of readers) {
    if (readBy.length > 1) {
      const layer = { name, className: classOf.get(name) ?? 'unknown' };
      throw unsupported(layer, `its output feeds several layers (${readBy.join(', ')}), a branch; ${CHAIN_ONLY}`);
    }
  }
  // No merges, no branches, one input and one output: the graph is a path in config order.
  entries.forEach((entry, i) => {
    const fed = entry.calls[0]?.[0];
    const previous = entries[i - 1]?.name;
    if (fed !== previous) {
      throw unsupported(entry, `it is not fed by the layer before it (${String(previous)}); ${CHAIN_ONLY}`);
    }
  });
}

function singleShape(shape: tf.Shape | tf.Shape[], layer: tf.layers.Layer, unsupported: ChainRefusal): Dims {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    throw unsupported({ name: layer.name, className: layer.getClassName() }, `it has several outputs; ${CHAIN_ONLY}`);
  }
  return shape as Dims;
}

/** The model's layers in order, without its InputLayer; `unsupported`'s error when not a chain. */
export function modelChain(model: tf.LayersModel, unsupported: ChainRefusal): ChainNode[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    const layer = { name: model.name, className: model.getClassName() };
    throw unsupported(layer, `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ${CHAIN_ONLY}`);
  }
  // A Sequential is a chain by construction (and its config has no graph to check).
  if (!(model instanceof tf.Sequential)) checkFunctionalChain(model, unsupported);
  const layers = model.layers.filter((layer) => kindOf(layer.getClassName())?.flow !== 'source');
  let inputShape: Dims = model.inputs[0]!.shape;
  return layers.map((layer) => {
    const className = layer.getClassName();
    const node: ChainNode = { layer, name: layer.name, className, kind: kindOf(className), config: layer.getConfig(), inputShape };
    inputShape = singleShape(layer.outputShape, layer, unsupported);
    return node;
  });
}
