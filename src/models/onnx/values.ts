/**
 * What the converter knows of each ONNX value while it walks the graph: a feature map (NCHW in
 * ONNX, [h, w, c] in TF.js) or a vector that a TF.js layer outputs, or a constant (initializers,
 * Constant nodes, and the shape arithmetic of `x.view(x.size(0), -1)`), and the TF.js layers built
 * so far, as the model.json topology entries TF.js loads.
 */
import type { TorchParameter } from '../torchNames.js';
import type { OnnxNode, OnnxTensor } from './graph.js';

/**
 * The output of a TF.js layer. `nonNegative`: known to be ≥ 0 (after a ReLU), where a max pool's
 * zero padding is torch's -∞ padding.
 */
export type LayerValue =
  | { readonly kind: 'map'; readonly layer: string; readonly h: number; readonly w: number; readonly c: number; readonly nonNegative?: boolean }
  | {
      readonly kind: 'vector';
      readonly layer: string;
      readonly nonNegative?: boolean;
      readonly n: number;
      /** Torch's [N, C, 1, 1] (a global pool with keepdims), which TF.js holds as [N, C]. */
      readonly squeezed?: boolean;
      /** The [h, w, c] map this vector is a flatten of (in TF.js's order), when it is one. */
      readonly flattenedFrom?: readonly [number, number, number];
    };

/** A constant's entries; null is the batch size, which the shape arithmetic carries symbolically. */
export interface ConstantValue {
  readonly kind: 'constant';
  readonly dims: readonly number[];
  readonly values: readonly (number | null)[];
}

export type Value = LayerValue | ConstantValue;

export function constantOf(tensor: OnnxTensor): ConstantValue {
  return { kind: 'constant', dims: tensor.dims, values: Array.from(tensor.values) };
}

/** One weight in TF.js layout, named `<layer>/<param>` as TF.js names it. */
export interface LayerWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** One layer of the model.json topology (Keras's JSON: class_name, snake-case config, inbound_nodes). */
export interface TopologyLayer {
  readonly class_name: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inbound_nodes: readonly (readonly (readonly [string, number, number, Record<string, never>])[])[];
}

/** The converter's state, which each op's conversion reads and adds to. */
export interface Conversion {
  readonly node: OnnxNode;
  /** The value of a node input; fails (by node and op) when the graph has not made it. */
  value(name: string): Value;
  /** A node input that must be a layer's output. */
  layerInput(index: number): LayerValue;
  /** A node input that must be a constant (an initializer or computed from constants). */
  constantInput(index: number): ConstantValue;
  /** A node input that must be an initializer (a weight), with its ONNX name. */
  initializer(index: number): { readonly name: string; readonly tensor: OnnxTensor } | null;
  /** A float initializer by name (a bias an Add adds), or null. */
  constantBias(name: string): { readonly dims: readonly number[]; readonly values: Float32Array } | null;
  /** Sets the node's output `index`. */
  output(value: Value, index?: number): void;
  /**
   * Adds a TF.js layer reading `inputs`; returns its name: from the weight's torch module when the
   * export kept it, else from the node, with `suffix` for a helper layer (a conv's `_pad`).
   */
  addLayer(className: string, config: Record<string, unknown>, inputs: readonly LayerValue[], naming?: LayerNaming): string;
  addWeight(layer: string, param: string, shape: readonly number[], values: Float32Array, torch?: TorchParameter): void;
  /** Throws the located error for this node: `node "<name>" (<op>): <message>`. */
  fail(message: string): never;
  attribute<T extends 'int' | 'float' | 'ints' | 'string'>(name: string, type: T, fallback: AttributeOf<T>): AttributeOf<T>;
  /** The graph's opset (attributes moved to inputs at 13 for some ops). */
  readonly opset: number;
  /** How many nodes read a value (a MatMul with one Add reading it is a dense layer with a bias). */
  consumers(name: string): readonly OnnxNode[];
  /** Marks a later node as converted already (the Add folded into a MatMul's dense layer). */
  absorb(node: OnnxNode): void;
}

export interface LayerNaming {
  readonly module?: string | null;
  readonly suffix?: string;
}

export type AttributeOf<T> = T extends 'int' | 'float' ? number : T extends 'ints' ? readonly number[] : string;
