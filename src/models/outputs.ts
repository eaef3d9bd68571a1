/**
 * How many classes a model's (first) output scores, from its description alone, so that data whose
 * labels do not fit it is refused before a run starts (runner/dataFit.ts). A classifier's output is
 * a dense layer's units, or a global pooling's channels, seen through the layers that keep each
 * value where it is (activations, softmax, dropout, batch norm). Any other ending (a flatten, a
 * conv map, a layer prune-run does not describe) is not told: the run finds out instead.
 */
import type { ModelDescription } from './description.js';
import { layerGraph } from './layerGraph.js';

/** Layers whose output has the shape of their input, value for value: the output width is their input's. */
const SHAPE_KEEPING = new Set(['Activation', 'ReLU', 'Softmax', 'LeakyReLU', 'ELU', 'Dropout', 'GaussianDropout', 'GaussianNoise', 'AlphaDropout', 'BatchNormalization']);
/** Layers that end a classifier: their output is [batch, width] whatever they read. */
const CLASSIFIER_ENDS = new Set(['Dense', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

export interface OutputWidth {
  /** How many values each image's output has: the classes a label may name (0 to units − 1). */
  readonly units: number;
  /** The layer that decides it (the last dense layer, say). */
  readonly layer: string;
}

/** The width of the model's first output, or null when its description does not tell it. */
export function outputWidthOf(model: ModelDescription): OutputWidth | null {
  const graph = layerGraph(model);
  const seen = new Set<string>();
  let name = [...graph.outputs][0];
  while (name !== undefined && !seen.has(name)) {
    seen.add(name);
    const layer = graph.layers.get(name);
    if (layer === undefined) return null;
    const className = layer.description.className;
    if (CLASSIFIER_ENDS.has(className)) {
      const units = graph.channelsOf(name);
      return units === null ? null : { units, layer: name };
    }
    if (!SHAPE_KEEPING.has(className) || layer.inbound.length !== 1) return null;
    name = layer.inbound[0];
  }
  return null;
}
