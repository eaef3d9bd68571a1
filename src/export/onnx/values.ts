/**
 * The tensors of the graph as the writer tracks them. The graph runs in torch's layout: a TF.js
 * feature map [h, w, c] is an ONNX tensor [N, c, h, w], and ONNX's Flatten of it lists features in
 * (c, h, w) order where TF.js's lists them in (h, w, c). A flattened value remembers the map it came
 * from, so a Gemm that reads it takes its weight columns in torch's order (as torch's own export
 * has them) and anything else that cares about the order gets it reordered first.
 */
import { EngineError } from '../../errors.js';
import type { OnnxGraph } from './graph.js';

export interface OnnxValue {
  /** The ONNX tensor's name. */
  readonly name: string;
  /** The TF.js shape without the batch axis: [h, w, c] for a feature map (held [N, c, h, w]). */
  readonly shape: readonly number[];
  /** Set on a flatten of a [h, w, c] map: its features are in (c, h, w) order, not TF.js's. */
  readonly flattenedFrom: readonly [number, number, number] | null;
}

export function unsupported(layer: string, className: string, reason: string): EngineError {
  return new EngineError('ONNX_EXPORT_UNSUPPORTED', `ONNX export: layer '${layer}' (${className}): ${reason}`);
}

/**
 * The ONNX axis of a TF.js axis (counted with the batch axis, negative from the end) of a tensor
 * of `rank` dims without the batch: a feature map's channels (TF.js 3) are ONNX's 1, its height
 * and width move up by one.
 */
export function onnxAxis(axis: number, rank: number): number {
  const withBatch = rank + 1;
  const positive = axis < 0 ? axis + withBatch : axis;
  if (withBatch !== 4 || positive === 0) return positive;
  return positive === 3 ? 1 : positive + 1;
}

/** The value with its features in TF.js's (h, w, c) order: a flatten's (c, h, w) features are reordered. */
export function inTfjsOrder(graph: OnnxGraph, value: OnnxValue): OnnxValue {
  const from = value.flattenedFrom;
  if (from === null) return value;
  const [h, w, c] = from;
  const map = graph.node('Reshape', [value.name, graph.int64s(`${value.name}/chw`, [-1, c, h, w])], `${value.name}/chw`);
  const hwc = graph.node('Transpose', [map], `${value.name}/hwc`, { perm: { ints: [0, 2, 3, 1] } });
  const flat = graph.node('Reshape', [hwc, graph.int64s(`${value.name}/flat`, [-1, h * w * c])], `${value.name}/hwc_flat`);
  return { name: flat, shape: value.shape, flattenedFrom: null };
}

/** The inputs of a merge, in one feature order: a common flatten order is kept, mixed ones are reordered. */
export function inOneOrder(graph: OnnxGraph, values: readonly OnnxValue[]): OnnxValue[] {
  const order = (v: OnnxValue) => v.flattenedFrom?.join() ?? 'tfjs';
  const same = values.every((v) => order(v) === order(values[0]!));
  return same ? [...values] : values.map((v) => inTfjsOrder(graph, v));
}
