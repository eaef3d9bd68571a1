/** What a layer's converter is handed: the graph, the layer's config, inputs and weights. */
import { activation } from './activations.js';
import type { OnnxGraph } from './graph.js';
import { unsupported, type OnnxValue } from './values.js';

export interface LayerWeight {
  readonly values: Float32Array;
  /** TF.js layout. */
  readonly shape: readonly number[];
}

export interface LayerContext {
  readonly graph: OnnxGraph;
  readonly name: string;
  readonly className: string;
  /** The layer's getConfig(). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly OnnxValue[];
  /** The layer's output shape without the batch axis, TF.js layout. */
  readonly outputShape: readonly number[];
  /** A weight by its part name ('kernel'), or undefined when the layer has none of that name. */
  readonly weight: (param: string) => LayerWeight | undefined;
  /** The initializer name of a weight: its torch name where the model has one, else `layer/param`. */
  readonly weightName: (param: string) => string;
}

export type LayerConverter = (context: LayerContext) => OnnxValue;

export function refuse(context: LayerContext, reason: string): never {
  throw unsupported(context.name, context.className, reason);
}

export function requiredWeight(context: LayerContext, param: string): LayerWeight {
  return context.weight(param) ?? refuse(context, `it has no ${param} weight`);
}

/** The layer's one input, which must have `rank` dims without the batch axis. */
export function singleInput(context: LayerContext, rank: number): OnnxValue {
  const input = context.inputs[0];
  if (context.inputs.length !== 1 || input === undefined) refuse(context, `it reads ${String(context.inputs.length)} tensors, not one`);
  if (input.shape.length !== rank) refuse(context, `it reads a tensor of shape [${input.shape.join(', ')}], not rank ${String(rank)} (without the batch axis)`);
  return input;
}

/** Refuses a channels-first layer: the graph's layout conversion assumes TF.js's channels last. */
export function channelsLast(context: LayerContext): void {
  const format = context.config.dataFormat;
  if (format !== undefined && format !== null && format !== 'channelsLast') refuse(context, `data format ${String(format)}: only channelsLast layers are converted`);
}

/**
 * Runs `op` and then the layer's own activation (config.activation): the layer's last node is named
 * after the layer, as torch names a module's output.
 */
export function withActivation(context: LayerContext, op: (output: string) => OnnxValue): OnnxValue {
  const name = typeof context.config.activation === 'string' ? context.config.activation : 'linear';
  if (name === 'linear') return op(context.name);
  const result = activation(context.graph, name, op(`${context.name}/preactivation`), context.name);
  return result ?? refuse(context, `activation ${name} has no ONNX conversion`);
}
