/**
 * Multiply-adds (MACs) from the static model description: the figure people quote for a model's
 * speed. Only the layers that multiply weights into activations count (conv, depthwise, separable,
 * dense: one multiply-add per kernel entry per output position); batch norm, pooling, activations
 * and adds are element-wise and left out, as thop and Torch-Pruning's count_ops leave them out of
 * a conv net's headline figure. LeNet: 199,968 MACs.
 *
 * conv2d: out_h·out_w·kh·kw·cin·cout; depthwise: out_h·out_w·kh·kw·cin·mult; dense: in·out (per
 * position, when it is applied to a feature map). The masked figure is what the compact model
 * would compute: along a kernel's output axes and along its input axis, an index all of whose
 * entries are pruned is gone (compaction drops it), so a kernel costs
 * positions × (other axes) × (kept inputs) × (kept outputs).
 */
import { kindOf } from '../layers/index.js';
import type { ModelDescription, SpatialWindow } from './description.js';
import { layerGraph, paramNamed } from './layerGraph.js';

/** One kernel's multiply-adds: every entry, once per output position of its layer. */
export interface MacTerm {
  readonly layer: string;
  /** The kernel's full weight name ('conv1/kernel'). */
  readonly param: string;
  readonly shape: readonly number[];
  /** The axes that index the layer's output channels, and its input channel axis (null when none is independent of them). */
  readonly out: readonly number[];
  readonly in: number | null;
  /** Output positions the kernel is applied at (out_h·out_w; 1 for a dense layer on a vector). */
  readonly positions: number;
  /** positions × kernel entries. */
  readonly macs: number;
}

export interface ModelMacs {
  readonly terms: readonly MacTerm[];
  /** The dense total (every entry kept); null when `unknown` says why it cannot be told. */
  readonly total: number | null;
  readonly unknown: string | null;
}

/** A layer's output as MACs see it: a map of h × w positions, a vector, or unknown (and why). */
type Spatial = { readonly kind: 'map'; readonly h: number; readonly w: number } | { readonly kind: 'vector' } | { readonly kind: 'unknown'; readonly why: string };

/** Classes whose output has no spatial axes left. */
const TO_VECTOR = new Set(['Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/** TF.js's output size along one axis (conv_utils.convOutputLength). */
function outputLength(size: number, kernel: number, stride: number, padding: 'same' | 'valid', dilation: number): number {
  const extent = (kernel - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - extent) / stride) + 1;
}

function windowed(input: Spatial, window: SpatialWindow, layer: string): Spatial {
  if (input.kind !== 'map') return input.kind === 'unknown' ? input : { kind: 'unknown', why: `${layer} has a window but reads a vector` };
  const h = outputLength(input.h, window.kernel[0], window.strides[0], window.padding, window.dilation[0]);
  const w = outputLength(input.w, window.kernel[1], window.strides[1], window.padding, window.dilation[1]);
  return h > 0 && w > 0 ? { kind: 'map', h, w } : { kind: 'unknown', why: `${layer}'s window does not fit its ${input.h}×${input.w} input` };
}

function fromInputShape(model: ModelDescription): Spatial {
  const shape = model.inputShape;
  if (shape === undefined) return { kind: 'unknown', why: `${model.source} does not state its input shape` };
  if (shape.length === 1) return { kind: 'vector' };
  return shape.length === 3 ? { kind: 'map', h: shape[0]!, w: shape[1]! } : { kind: 'unknown', why: `input shape [${shape.join(', ')}] is not an image or a vector` };
}

export function modelMacs(model: ModelDescription): ModelMacs {
  const graph = layerGraph(model);
  const spatial = new Map<string, Spatial>();
  const terms: MacTerm[] = [];
  let unknown: string | null = null;
  for (const layer of graph.ordered) {
    const { name, className, window, zeroPadding } = layer.description;
    const first = layer.inbound[0];
    const input: Spatial = first === undefined ? fromInputShape(model) : (spatial.get(first) ?? { kind: 'unknown', why: `${name} reads ${first}, listed after it` });
    let output: Spatial;
    if (layer.kind === undefined && className !== 'InputLayer') output = { kind: 'unknown', why: `${name} (${className}) is a layer prune-run does not describe` };
    else if (TO_VECTOR.has(className)) output = input.kind === 'unknown' ? input : { kind: 'vector' };
    else if (window !== undefined) output = windowed(input, window, name);
    else if (zeroPadding !== undefined) output = input.kind === 'map' ? { kind: 'map', h: input.h + zeroPadding[0][0] + zeroPadding[0][1], w: input.w + zeroPadding[1][0] + zeroPadding[1][1] } : input;
    else if (className === 'ZeroPadding2D') output = { kind: 'unknown', why: `${name} (ZeroPadding2D) has no padding in the description` };
    else if (kindOf(className)?.flow === 'produces' && className !== 'Dense') output = { kind: 'unknown', why: `${name} (${className}) has no window in the description` };
    else output = input;
    spatial.set(name, output);
    const kind = layer.kind;
    if (kind === undefined || (kind.flow !== 'produces' && kind.flow !== 'depthwise')) continue;
    for (const p of kind.params) {
      const weight = paramNamed(layer.description, p.name);
      if (weight === undefined || !p.name.endsWith('kernel')) continue;
      if (output.kind === 'unknown') {
        unknown ??= output.why;
        continue;
      }
      const positions = output.kind === 'map' ? output.h * output.w : 1;
      const independentIn = p.in !== null && !p.out.includes(p.in) ? p.in : null;
      terms.push({ layer: name, param: weight.name, shape: weight.shape, out: p.out, in: independentIn, positions, macs: positions * weight.size });
    }
  }
  return { terms, total: unknown === null ? terms.reduce((sum, t) => sum + t.macs, 0) : null, unknown };
}

/** How many index tuples along `axes` keep at least one entry of the mask (row-major shape). */
export function keptAlong(shape: readonly number[], axes: readonly number[], mask: Uint8Array): number {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const count = axes.reduce((a, axis) => a * shape[axis]!, 1);
  const kept = new Uint8Array(count);
  for (let index = 0; index < mask.length; index++) {
    if (mask[index] === 0) continue;
    let slot = 0;
    for (const axis of axes) slot = slot * shape[axis]! + (Math.floor(index / strides[axis]!) % shape[axis]!);
    kept[slot] = 1;
  }
  return kept.reduce((a, b) => a + b, 0);
}

/** A kernel's entries in the compact model: its other axes × the kept inputs × the kept outputs. */
export function compactEntries(term: Pick<MacTerm, 'shape' | 'out' | 'in'>, mask: Uint8Array | undefined): number {
  const size = term.shape.reduce((a, b) => a * b, 1);
  if (mask === undefined) return size;
  const groups = [...(term.out.length > 0 ? [term.out] : []), ...(term.in === null ? [] : [[term.in]])];
  let entries = size;
  for (const axes of groups) {
    const total = axes.reduce((a, axis) => a * term.shape[axis]!, 1);
    entries = (entries / total) * keptAlong(term.shape, axes, mask);
  }
  return Math.round(entries);
}

/** The MACs the compact model would have, given each pruned parameter's mask (1 = kept) by weight name. */
export function maskedMacs(macs: ModelMacs, masks: ReadonlyMap<string, Uint8Array>): number | null {
  if (macs.total === null) return null;
  return macs.terms.reduce((sum, t) => sum + t.positions * compactEntries(t, masks.get(t.param)), 0);
}
