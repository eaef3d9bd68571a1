/**
 * A model description as a graph the channel groups walk: each layer with its kind, the layers it
 * reads and the layers that read it, and the size of its output's channel axis. Channel counts
 * come from the parameters alone (a conv's kernel, a depthwise kernel's in × multiplier) and pass
 * through the layers that carry channels, so no output shapes are needed.
 */
import { kindOf, type LayerKind } from '../layers/index.js';
import type { LayerDescription, ModelDescription, ParameterDescription } from './description.js';

export interface GraphLayer {
  readonly description: LayerDescription;
  /** The layer's kind, or undefined for a class prune-run does not describe. */
  readonly kind: LayerKind | undefined;
  /** Position in the description: groups list their layers in this order. */
  readonly order: number;
  readonly inbound: readonly string[];
  /** The layers that read this one's output, with the input number it is to them. */
  readonly readers: { readonly layer: string; readonly input: number }[];
}

export interface LayerGraph {
  readonly layers: ReadonlyMap<string, GraphLayer>;
  /** Layers in description order. */
  readonly ordered: readonly GraphLayer[];
  readonly outputs: ReadonlySet<string>;
  /** The size of each layer's output channel axis (last axis), or null when it cannot be told. */
  channelsOf(layer: string): number | null;
}

export function paramNamed(layer: LayerDescription, name: string): ParameterDescription | undefined {
  return layer.params.find((p) => p.param === name);
}

/** Size of a parameter's axes read together (a depthwise kernel's out axes [2, 3]: in × mult). */
export function axesSize(shape: readonly number[], axes: readonly number[]): number | null {
  let size = 1;
  for (const axis of axes) {
    const dim = shape[axis];
    if (dim === undefined) return null;
    size *= dim;
  }
  return size;
}

/** A produces or depthwise layer's output channels, from its output kernel's out axes. */
function producedChannels(layer: GraphLayer): number | null {
  const kind = layer.kind;
  if (kind?.outputKernel === null || kind === undefined) return null;
  const kernelKind = kind.params.find((p) => p.name === kind.outputKernel);
  const kernel = paramNamed(layer.description, kind.outputKernel);
  return kernelKind === undefined || kernel === undefined ? null : axesSize(kernel.shape, kernelKind.out);
}

export function layerGraph(model: ModelDescription): LayerGraph {
  const layers = new Map<string, GraphLayer>();
  model.layers.forEach((description, order) => {
    const previous = model.layers[order - 1];
    const inbound = description.inbound ?? (previous === undefined ? [] : [previous.name]);
    layers.set(description.name, { description, kind: kindOf(description.className), order, inbound, readers: [] });
  });
  for (const layer of layers.values()) {
    layer.inbound.forEach((name, input) => layers.get(name)?.readers.push({ layer: layer.description.name, input }));
  }
  const last = model.layers[model.layers.length - 1];
  const outputs = new Set(model.outputs ?? (last === undefined ? [] : [last.name]));

  const channels = new Map<string, number | null>();
  const channelsOf = (name: string): number | null => {
    const known = channels.get(name);
    if (known !== undefined) return known;
    channels.set(name, null); // a cycle (a malformed graph) reads as unknown rather than looping
    const layer = layers.get(name);
    const counted = layer === undefined ? null : count(layer);
    channels.set(name, counted);
    return counted;
  };
  const count = (layer: GraphLayer): number | null => {
    const inputs = layer.inbound.map(channelsOf);
    switch (layer.kind?.flow) {
      case 'produces':
      case 'depthwise':
        return producedChannels(layer);
      case 'one_to_one':
      case 'flatten':
        return inputs[0] ?? null;
      case 'shared_index':
        return inputs.find((c) => c !== null) ?? null;
      case 'concatenate':
        return inputs.length > 0 && inputs.every((c) => c !== null) ? inputs.reduce<number>((sum, c) => sum + c, 0) : null;
      case 'source':
      case 'mixes':
      case undefined:
        return null;
    }
  };
  return { layers, ordered: [...layers.values()], outputs, channelsOf };
}
