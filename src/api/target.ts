/**
 * From what a user passes (a layer and a parameter name like torch's `module, 'weight'`, or a
 * model and a weight name like 'conv1/kernel') to the TF.js variable that holds the parameter.
 */
import * as tf from '@tensorflow/tfjs';
import { pruneError } from './codes.js';

/** One parameter of one layer, resolved: what every pruning call works on. */
export interface Target {
  readonly layer: tf.layers.Layer;
  /** The name within the layer, as users write it: 'kernel', 'bias'. */
  readonly param: string;
  /** The weight's TF.js name, 'conv1/kernel': the key of masks, masks.safetensors and reports. */
  readonly name: string;
  readonly variable: tf.LayerVariable;
  /** TF.js layout. */
  readonly shape: readonly number[];
}

export function describeLayer(layer: tf.layers.Layer): string {
  return `layer '${layer.name}' (${layer.getClassName()})`;
}

/**
 * 'kernel' for the weight 'conv1/kernel' of layer conv1. Names are built as `<layer>/<param>`;
 * a weight created under an outer name scope keeps its last segment.
 */
export function paramNameOf(layer: tf.layers.Layer, full: string): string {
  const prefix = `${layer.name}/`;
  return full.startsWith(prefix) ? full.slice(prefix.length) : full.slice(full.lastIndexOf('/') + 1);
}

function targetOf(layer: tf.layers.Layer, variable: tf.LayerVariable): Target {
  return {
    layer,
    param: paramNameOf(layer, variable.originalName),
    name: variable.originalName,
    variable,
    shape: Object.freeze([...variable.read().shape]), // the tensor's shape: concrete, unlike Shape
  };
}

function checkLayer(value: unknown): asserts value is tf.layers.Layer {
  if (!(value instanceof tf.layers.Layer)) {
    throw pruneError(
      'PRUNE_NOT_A_LAYER',
      `expected a TF.js layer or model, got ${value === null ? 'null' : typeof value}` +
        ' (a layer from another copy of @tensorflow/tfjs is not recognised either)',
    );
  }
}

/** The layer's parameter `param` (torch's getattr(module, name)); a model is refused. */
export function resolveTarget(layer: tf.layers.Layer, param: string): Target {
  checkLayer(layer);
  // A model is a Layer in TF.js, but its weights' short names collide ('kernel' in every layer).
  if (layer instanceof tf.LayersModel) {
    throw pruneError(
      'PRUNE_NOT_A_LAYER',
      `'${layer.name}' is a model; pass one of its layers (model.getLayer('${layer.layers[0]?.name ?? 'name'}')), ` +
        `or prune it by weight name with pruneByName`,
    );
  }
  const weights = layer.weights;
  const variable = weights.find((w) => paramNameOf(layer, w.originalName) === param);
  if (variable === undefined) {
    const known = weights.map((w) => paramNameOf(layer, w.originalName));
    throw pruneError(
      'PRUNE_UNKNOWN_PARAMETER',
      `${describeLayer(layer)} has no parameter '${String(param)}'; ` +
        (known.length > 0 ? `its parameters: ${known.join(', ')}` : 'it has no parameters (is it built?)'),
    );
  }
  return targetOf(layer, variable);
}

/** Every layer that holds weights directly: a model's layers, nested models flattened. */
export function layersOf(modelOrLayer: tf.layers.Layer): tf.layers.Layer[] {
  checkLayer(modelOrLayer);
  if (modelOrLayer instanceof tf.LayersModel) return modelOrLayer.layers.flatMap(layersOf);
  return [modelOrLayer];
}

/** A model's parameters by TF.js weight name ('conv1/kernel'), in the model's order. */
export function targetsByName(modelOrLayer: tf.layers.Layer): Map<string, Target> {
  const index = new Map<string, Target>();
  for (const layer of layersOf(modelOrLayer)) {
    for (const variable of layer.weights) index.set(variable.originalName, targetOf(layer, variable));
  }
  return index;
}
