/**
 * A TF.js LayersModel as an ONNX model laid out as torch.onnx.export writes its twin: the input
 * NCHW ([N, C, H, W]), conv weights OIHW, a Gemm after Flatten with its weight columns in torch's
 * (c, h, w) order, initializers under the torch parameter names where the model has them. The
 * weights are the model's as they are (a pruned model's masked weights). Each layer is converted in
 * the model's topological order by its class's converter (weighted.ts, shaping.ts); a layer or
 * configuration without one stops the export with its name (the planner refuses unknown classes
 * before a run, layers/onnx.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { describeLayersModel } from '../../api/describe.js';
import type { LayerDescription } from '../../models/description.js';
import type { TorchNames } from '../../models/torchNames.js';
import type { LayerConverter, LayerWeight } from './context.js';
import { OnnxGraph, type GraphPort } from './graph.js';
import { SHAPING_CONVERTERS } from './shaping.js';
import { inTfjsOrder, unsupported, type OnnxValue } from './values.js';
import { WEIGHTED_CONVERTERS } from './weighted.js';

/** Every class the writer converts (layers/onnx.ts lists the same, for the planner). */
export const ONNX_CONVERTERS: Readonly<Record<string, LayerConverter>> = { ...WEIGHTED_CONVERTERS, ...SHAPING_CONVERTERS };

export interface OnnxExportOptions {
  /** The model's torch parameter names (ModelDescription.torch), used for the initializers. */
  readonly torch?: TorchNames | undefined;
}

const withoutBatch = (shape: readonly (number | null)[]): number[] => shape.slice(1).map((d) => d ?? 0);

/** The ONNX dims of a TF.js value: a feature map [h, w, c] is [N, c, h, w]. */
function portDims(shape: readonly number[]): (number | null)[] {
  if (shape.length === 3) return [null, shape[2]!, shape[0]!, shape[1]!];
  return [null, ...shape];
}

/** A layer's weights by part name ('conv1/kernel' → 'kernel'), copied out of the variables. */
function weightsOf(layer: tf.layers.Layer): Map<string, LayerWeight> {
  return new Map(
    layer.weights.map((w) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), { values: Float32Array.from(w.read().dataSync() as Float32Array), shape: w.shape.map((d) => d ?? 0) }]),
  );
}

function inputValue(values: ReadonlyMap<string, OnnxValue>, layer: LayerDescription, name: string): OnnxValue {
  const value = values.get(name);
  if (value === undefined) throw unsupported(layer.name, layer.className, `it reads '${name}', which was not converted before it`);
  return value;
}

/** The ONNX model's bytes. */
export function modelToOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const graph = new OnnxGraph();
  const values = new Map<string, OnnxValue>();
  const inputs: GraphPort[] = model.inputs.map((input, i) => {
    const shape = withoutBatch(input.shape);
    if (shape.length !== 3 && shape.length !== 1) throw unsupported(input.sourceLayer.name, 'InputLayer', `an input of shape [${shape.join(', ')}]: only images [h, w, c] and flat vectors are converted`);
    const name = graph.unique(model.inputs.length === 1 ? 'input' : `input_${String(i)}`);
    values.set(input.sourceLayer.name, { name, shape, flattenedFrom: null });
    return { name, dims: portDims(shape) };
  });
  let previous: OnnxValue | null = model.inputs.length === 1 ? values.get(model.inputs[0]!.sourceLayer.name)! : null;
  for (const description of describeLayersModel(model).layers) {
    if (description.className === 'InputLayer') continue;
    const convert = ONNX_CONVERTERS[description.className];
    if (convert === undefined) throw unsupported(description.name, description.className, 'no ONNX conversion for this class');
    const layer = model.getLayer(description.name);
    const read = description.inbound === undefined ? (previous === null ? [] : [previous]) : description.inbound.map((name) => inputValue(values, description, name));
    const weights = weightsOf(layer);
    const value = convert({
      graph,
      name: description.name,
      className: description.className,
      config: layer.getConfig(),
      inputs: read,
      outputShape: withoutBatch(layer.outputShape as (number | null)[]),
      weight: (param) => weights.get(param),
      weightName: (param) => options.torch?.[`${description.name}/${param}`]?.name ?? `${description.name}/${param}`,
    });
    values.set(description.name, value);
    previous = value;
  }
  const outputs: GraphPort[] = model.outputs.map((output, i) => {
    const found = values.get(output.sourceLayer.name);
    if (found === undefined) throw unsupported(output.sourceLayer.name, output.sourceLayer.getClassName(), 'the model returns it, but it was not converted');
    // The model's outputs in TF.js's feature order; a feature map stays NCHW, as torch gives it.
    const value = inTfjsOrder(graph, found);
    if (!graph.produces(value.name)) throw unsupported(output.sourceLayer.name, output.sourceLayer.getClassName(), 'the model returns its input unchanged');
    const name = graph.rename(value.name, model.outputs.length === 1 ? 'output' : `output_${String(i)}`);
    return { name, dims: portDims(value.shape) };
  });
  return graph.encode(model.name, inputs, outputs);
}
