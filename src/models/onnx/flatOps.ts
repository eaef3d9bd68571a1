/**
 * The ops that keep each feature where it is or join them: activations (Relu, Sigmoid, Clip as
 * ReLU or ReLU6), Dropout and Identity, Add and Concat; and the dense layers: Gemm, and MatMul
 * with the Add of its bias. A dense layer that reads a flatten gets its kernel's rows reordered
 * from torch's (c, h, w) to TF.js's (h, w, c) (prune/torchLayout.ts), and keeps that map's shape
 * in its torch counterpart, so masks go back to torch the same way.
 */
import { fromTorchLayout } from '../../prune/torchLayout.js';
import { moduleOfParameter } from './names.js';
import type { Conversion, LayerValue } from './values.js';

/** The same value with a new layer: the op keeps its input's shape; whether it is ≥ 0 is the op's to say. */
function sameShape(input: LayerValue, layer: string, nonNegative = false): LayerValue {
  return { ...input, layer, nonNegative };
}

export function convertActivation(conversion: Conversion, activation: 'relu' | 'sigmoid'): void {
  const input = conversion.layerInput(0);
  conversion.output(sameShape(input, conversion.addLayer('Activation', { activation }, [input]), true));
}

/** Clip(0, ∞) is ReLU and Clip(0, 6) ReLU6 (torch's ReLU6 and hardtanh(0, 6)); min and max are inputs (opset 11 on). */
export function convertClip(conversion: Conversion): void {
  const input = conversion.layerInput(0);
  const bound = (index: number): number | null => {
    const name = conversion.node.inputs[index];
    if (name === undefined || name === '') return null;
    return conversion.constantInput(index).values[0] ?? null;
  };
  const min = bound(1);
  const max = bound(2);
  if (min !== 0 || (max !== null && max <= 0)) conversion.fail(`clips to [${String(min ?? '-inf')}, ${String(max ?? 'inf')}]; only ReLU (min 0) and ReLU6-like clips (min 0, max > 0) are imported`);
  conversion.output(sameShape(input, conversion.addLayer('ReLU', max === null ? {} : { max_value: max }, [input]), true));
}

/** Dropout (its ratio an attribute before opset 12, an input since) and Identity. */
export function convertPassThrough(conversion: Conversion): void {
  const input = conversion.layerInput(0);
  if (conversion.node.opType === 'Identity') {
    conversion.output(input);
    return;
  }
  const ratioInput = conversion.node.inputs[1];
  const ratio = conversion.opset >= 12 ? (ratioInput === undefined || ratioInput === '' ? 0.5 : conversion.constantInput(1).values[0]) : conversion.attribute('ratio', 'float', 0.5);
  if (ratio === null || ratio === undefined || ratio < 0 || ratio >= 1) conversion.fail('its ratio is not a constant in [0, 1)');
  // Torch's dropout at training time is TF.js's: fine-tuning drops what torch would.
  conversion.output(ratio === 0 ? input : sameShape(input, conversion.addLayer('Dropout', { rate: ratio }, [input]), input.nonNegative));
}

function sameLayout(a: LayerValue, b: LayerValue): boolean {
  if (a.kind === 'map' && b.kind === 'map') return a.h === b.h && a.w === b.w && a.c === b.c;
  if (a.kind === 'vector' && b.kind === 'vector') return a.n === b.n && a.squeezed === b.squeezed && a.flattenedFrom?.join() === b.flattenedFrom?.join();
  return false;
}

/** Add of two layer outputs of one shape (a residual join); a bias Add is MatMul's (convertMatMul). */
export function convertAdd(conversion: Conversion): void {
  const [a, b] = [conversion.layerInput(0), conversion.layerInput(1)];
  if (!sameLayout(a, b)) conversion.fail('adds values of different shapes; broadcasting is not imported');
  conversion.output(sameShape(a, conversion.addLayer('Add', {}, [a, b]), a.nonNegative === true && b.nonNegative === true));
}

/** Concat over channels (axis 1 in NCHW, TF.js's last axis) of feature maps or plain vectors. */
export function convertConcat(conversion: Conversion): void {
  const inputs = conversion.node.inputs.map((_, i) => conversion.layerInput(i));
  const axis = conversion.attribute('axis', 'int', 1);
  const first = inputs[0];
  if (first === undefined) return conversion.fail('has no inputs');
  if (axis !== 1 && !(first.kind === 'map' && axis === -3)) conversion.fail(`concatenates on axis ${String(axis)}; only the channel axis (1) is imported`);
  if (first.kind === 'map') {
    if (inputs.some((v) => v.kind !== 'map' || v.h !== first.h || v.w !== first.w)) conversion.fail('concatenates feature maps of different sizes, or maps with vectors');
    const c = inputs.reduce((sum, v) => sum + (v.kind === 'map' ? v.c : 0), 0);
    const nonNegative = inputs.every((v) => v.nonNegative === true);
    conversion.output({ kind: 'map', layer: conversion.addLayer('Concatenate', { axis: -1 }, inputs), h: first.h, w: first.w, c, nonNegative });
    return;
  }
  if (inputs.some((v) => v.kind !== 'vector' || (v.flattenedFrom !== undefined && v.flattenedFrom[0] * v.flattenedFrom[1] > 1))) {
    conversion.fail('concatenates flattened feature maps or vectors with maps; the order of their features would not be known');
  }
  const n = inputs.reduce((sum, v) => sum + (v.kind === 'vector' ? v.n : 0), 0);
  conversion.output({ kind: 'vector', layer: conversion.addLayer('Concatenate', { axis: -1 }, inputs), n });
}

/** The input of a dense layer: a vector (torch's [N, C, 1, 1] from a pool must be flattened first, as in ONNX). */
function denseInput(conversion: Conversion): Extract<LayerValue, { kind: 'vector' }> {
  const input = conversion.layerInput(0);
  if (input.kind !== 'vector' || input.squeezed === true) conversion.fail('reads a rank-4 tensor; a dense layer reads [N, features]');
  return input;
}

interface DenseWeights {
  /** torch layout: [out, in]. */
  readonly weight: { readonly name: string; readonly values: Float32Array; readonly dims: readonly [number, number] };
  readonly bias: { readonly name: string; readonly values: Float32Array } | null;
}

function addDense(conversion: Conversion, weights: DenseWeights, torchNameOf: (onnxName: string) => string | null): void {
  const input = denseInput(conversion);
  const [out, inputs] = weights.weight.dims;
  if (inputs !== input.n) conversion.fail(`its weight reads ${String(inputs)} features but its input has ${String(input.n)}`);
  const torchWeight = torchNameOf(weights.weight.name);
  // Named after the weight's module where the export kept it (also for a MatMul's operand, which has no torch name).
  const module = moduleOfParameter(torchWeight ?? weights.weight.name);
  const layer = conversion.addLayer('Dense', { units: out, activation: 'linear', use_bias: weights.bias !== null }, [input], { module });
  const from = input.flattenedFrom;
  const laid = fromTorchLayout('dense', weights.weight.values, [out, inputs], from === undefined ? {} : { flattenedFrom: from });
  conversion.addWeight(layer, 'kernel', laid.shape, laid.values, torchWeight === null ? undefined : { name: torchWeight, ...(from === undefined ? {} : { flattenedFrom: from }) });
  if (weights.bias !== null) {
    const torchBias = torchNameOf(weights.bias.name);
    conversion.addWeight(layer, 'bias', [out], Float32Array.from(weights.bias.values), torchBias === null ? undefined : { name: torchBias });
  }
  conversion.output({ kind: 'vector', layer, n: out });
}

function floatInitializer(conversion: Conversion, index: number, rank: number, what: string): { name: string; values: Float32Array; dims: readonly number[] } {
  const found = conversion.initializer(index);
  if (found === null || found.tensor.type !== 'float' || found.tensor.dims.length !== rank) return conversion.fail(`its ${what} is not a constant rank-${String(rank)} float tensor`);
  return { name: found.name, values: found.tensor.values as Float32Array, dims: found.tensor.dims };
}

/** Transposes a [rows, cols] matrix. */
function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const result = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) result[c * rows + r] = values[r * cols + c]!;
  return result;
}

/** Gemm: Y = A·Bᵀ + C as torch's Linear writes it (transB=1), or A·B + C. */
export function convertGemm(conversion: Conversion, torchNameOf: (onnxName: string) => string | null): void {
  if (conversion.attribute('alpha', 'float', 1) !== 1 || conversion.attribute('beta', 'float', 1) !== 1 || conversion.attribute('transA', 'int', 0) !== 0) {
    conversion.fail('has alpha or beta other than 1, or transA; only Y = A·B(ᵀ) + C is imported');
  }
  const b = floatInitializer(conversion, 1, 2, 'weight (B)');
  const [rows, cols] = b.dims as [number, number];
  const transB = conversion.attribute('transB', 'int', 0) === 1;
  const dims: [number, number] = transB ? [rows, cols] : [cols, rows];
  const weight = { name: b.name, values: transB ? b.values : transposed(b.values, rows, cols), dims };
  const hasBias = conversion.node.inputs[2] !== undefined && conversion.node.inputs[2] !== '';
  const bias = hasBias ? floatInitializer(conversion, 2, 1, 'bias (C)') : null;
  if (bias !== null && bias.dims[0] !== weight.dims[0]) conversion.fail(`its bias has ${String(bias.dims[0])} entries for ${String(weight.dims[0])} outputs`);
  // Only a Linear's [out, in] weight (transB=1, as torch writes it) keeps its torch name: masks in torch's layout fit it.
  addDense(conversion, { weight, bias }, (onnxName) => (onnxName === b.name && !transB ? null : torchNameOf(onnxName)));
}

/** MatMul by a constant [in, out], with the Add of a constant [out] that alone reads it folded in as the bias. */
export function convertMatMul(conversion: Conversion, torchNameOf: (onnxName: string) => string | null): void {
  const b = floatInitializer(conversion, 1, 2, 'right operand');
  const [inputs, out] = b.dims as [number, number];
  const dims: [number, number] = [out, inputs];
  const weight = { name: b.name, values: transposed(b.values, inputs, out), dims };
  const output = conversion.node.outputs[0] ?? '';
  const readers = conversion.consumers(output);
  const add = readers.length === 1 && readers[0]!.opType === 'Add' ? readers[0]! : null;
  const biasName = add?.inputs.find((name) => name !== output);
  const biasTensor = biasName === undefined ? null : conversion.constantBias(biasName);
  // The right operand is whatever tensor the torch code multiplied by, [in, out] here, not a
  // Linear's [out, in] weight: masks in torch's layout would not fit it, so it gets no torch name.
  const namesOf = (onnxName: string) => (onnxName === b.name ? null : torchNameOf(onnxName));
  if (add === null || biasName === undefined || biasTensor === null || biasTensor.dims.length !== 1 || biasTensor.dims[0] !== out) {
    addDense(conversion, { weight, bias: null }, namesOf);
    return;
  }
  conversion.absorb(add);
  addDense(conversion, { weight, bias: { name: biasName, values: biasTensor.values } }, namesOf);
}
