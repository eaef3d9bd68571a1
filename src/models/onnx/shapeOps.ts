/**
 * Flatten and Reshape, and the constant arithmetic torch writes for `x.view(x.size(0), -1)`:
 * Shape → Gather → Unsqueeze → Concat (with -1) → Reshape. Constants are evaluated here, the batch
 * size as a symbol (null) when it comes from Shape; a Reshape is imported when it keeps the batch
 * axis and flattens the rest, which is what a classifier's head does.
 */
import type { Conversion, ConstantValue, LayerValue } from './values.js';

function constant(dims: readonly number[], values: readonly (number | null)[]): ConstantValue {
  return { kind: 'constant', dims, values };
}

/** Constant: its `value` tensor (or a value_float(s)/value_int(s) attribute). */
export function convertConstant(conversion: Conversion): void {
  const tensor = conversion.node.attributes.get('value');
  if (tensor !== undefined && typeof tensor === 'object' && 'dims' in tensor) {
    conversion.output(constant(tensor.dims, Array.from(tensor.values)));
    return;
  }
  for (const key of ['value_float', 'value_int', 'value_floats', 'value_ints']) {
    const value = conversion.node.attributes.get(key);
    if (typeof value === 'number') return conversion.output(constant([], [value]));
    if (Array.isArray(value)) return conversion.output(constant([value.length], value as number[]));
  }
  conversion.fail('holds no numeric value');
}

/** Shape of a layer's output, in ONNX's NCHW order; the batch size stays symbolic. */
export function convertShape(conversion: Conversion): void {
  const input = conversion.value(conversion.node.inputs[0] ?? '');
  if (input.kind === 'constant') return conversion.output(constant([input.dims.length], input.dims));
  const dims = input.kind === 'map' ? [null, input.c, input.h, input.w] : input.squeezed === true ? [null, input.n, 1, 1] : [null, input.n];
  conversion.output(constant([dims.length], dims));
}

function scalarIndices(conversion: Conversion, index: number): { dims: readonly number[]; values: readonly number[] } {
  const indices = conversion.constantInput(index);
  if (indices.values.some((v) => v === null)) conversion.fail('its indices are not constant');
  return { dims: indices.dims, values: indices.values as number[] };
}

/** Gather on axis 0 of a 1-D constant (x.size(0) is Gather(Shape(x), 0)). */
export function convertGather(conversion: Conversion): void {
  const data = conversion.constantInput(0);
  const indices = scalarIndices(conversion, 1);
  if (data.dims.length !== 1 || conversion.attribute('axis', 'int', 0) !== 0) conversion.fail('gathers from something other than a 1-D constant (a shape)');
  const size = data.dims[0] ?? 0;
  const picked = indices.values.map((i) => (i < 0 ? i + size : i));
  if (picked.some((i) => i < 0 || i >= size)) conversion.fail(`index out of range for a shape of ${String(size)}`);
  conversion.output(constant(indices.dims, picked.map((i) => data.values[i] ?? null)));
}

/** Unsqueeze/Squeeze of a constant: the values stay, the dims change (axes an attribute before opset 13). */
export function convertSqueeze(conversion: Conversion, unsqueeze: boolean): void {
  const data = conversion.constantInput(0);
  const axes = conversion.opset >= 13 && conversion.node.inputs[1] !== undefined ? scalarIndices(conversion, 1).values : conversion.attribute('axes', 'ints', []);
  const rank = data.dims.length + (unsqueeze ? axes.length : -axes.length);
  const normal = new Set(axes.map((a) => (a < 0 ? a + (unsqueeze ? rank : data.dims.length) : a)));
  const dims: number[] = [];
  if (unsqueeze) {
    let from = 0;
    for (let i = 0; i < rank; i++) dims.push(normal.has(i) ? 1 : (data.dims[from++] ?? 1));
  } else {
    data.dims.forEach((d, i) => {
      if (!normal.has(i)) dims.push(d);
    });
  }
  conversion.output(constant(dims, data.values));
}

/** Concat of constants (the target shape of a Reshape); Concat of layers is flatOps' convertConcat. */
export function convertConstantConcat(conversion: Conversion): void {
  const parts = conversion.node.inputs.map((_, i) => conversion.constantInput(i));
  if (parts.some((p) => p.dims.length !== 1)) conversion.fail('concatenates constants that are not 1-D');
  const values = parts.flatMap((p) => [...p.values]);
  conversion.output(constant([values.length], values));
}

/** Whether every input of the node is a constant (then Concat computes a shape, not a layer). */
export function allConstant(conversion: Conversion): boolean {
  return conversion.node.inputs.every((name) => conversion.value(name).kind === 'constant');
}

/** [N, C, H, W] → [N, C·H·W]: a TF.js Flatten, whose vector remembers the map for the dense layer after it. */
function flattenValue(conversion: Conversion, input: LayerValue): void {
  if (input.kind === 'vector') {
    // Already [N, n] in TF.js (a global pool's [N, C, 1, 1] among them): nothing to flatten.
    conversion.output({ kind: 'vector', layer: input.layer, n: input.n, ...(input.flattenedFrom === undefined ? {} : { flattenedFrom: input.flattenedFrom }) });
    return;
  }
  const layer = conversion.addLayer('Flatten', {}, [input]);
  conversion.output({ kind: 'vector', layer, n: input.h * input.w * input.c, flattenedFrom: [input.h, input.w, input.c] });
}

export function convertFlatten(conversion: Conversion): void {
  const input = conversion.layerInput(0);
  if (conversion.attribute('axis', 'int', 1) !== 1) conversion.fail('flattens from an axis other than 1; only flattening all but the batch axis is imported');
  flattenValue(conversion, input);
}

/** Reshape to [N, -1] or [N, features]: the first entry is the batch axis (torch may bake the export's batch size in). */
export function convertReshape(conversion: Conversion): void {
  const input = conversion.layerInput(0);
  const shape = conversion.constantInput(1).values;
  const features = input.kind === 'map' ? input.h * input.w * input.c : input.n;
  const rest = shape[1];
  if (shape.length !== 2 || (rest !== -1 && rest !== features)) {
    conversion.fail(`reshapes to [${shape.map((v) => (v === null ? 'N' : String(v))).join(', ')}]; only [N, -1] or [N, ${String(features)}] (a flatten) is imported`);
  }
  flattenValue(conversion, input);
}
