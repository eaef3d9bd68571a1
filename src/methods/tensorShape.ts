/**
 * The plan-time check of a tensor a recipe reads from a safetensors file against the parameter it
 * applies to: custom_from_mask's mask, or importance_scores' scores. Either must have the
 * parameter's shape, in TF.js layout or (layout: torch) in torch's, which needs a conv2d or dense
 * kernel to be mapped and, for a dense kernel after a flatten, the torch model's feature map.
 */
import { tfjsToTorch, type WeightLayout } from '../prune/layout.js';
import type { MaskReference } from '../prune/spec.js';
import type { RecipeProblem, SourceLocation } from '../errors.js';
import type { ParameterDescription } from '../models/description.js';
import { parameterText, sameShape, shapeText } from './text.js';
import type { TorchRows } from './types.js';

/** What the tensor is to the parameter, for the messages: 'mask' (it would mask) or 'importance_scores' (it would rank). */
export type TensorRole = 'mask' | 'importance_scores';

export interface TensorShapeContext {
  readonly parameter: ParameterDescription;
  readonly layout: WeightLayout | null;
  readonly torchRows: TorchRows;
  readonly at: SourceLocation;
  readonly problems: RecipeProblem[];
}

export function checkTensorShape(tensor: MaskReference, role: TensorRole, context: TensorShapeContext): void {
  const { parameter, layout, problems, at } = context;
  const name = `${role} tensor "${tensor.tensor}" ${shapeText(tensor.shape)}`;
  const use = role === 'mask' ? 'mask' : 'rank';
  if (tensor.layout === 'tfjs') {
    if (sameShape(tensor.shape, parameter.shape)) return;
    let hint = '';
    if (layout !== null) {
      const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
      if (sameShape(tensor.shape, torchShape)) hint = ` (that is its torch layout: add layout: torch to the ${role})`;
    }
    problems.push({ at, message: `${name} does not have the shape of ${parameterText(parameter)}, which it would ${use}${hint}` });
    return;
  }
  if (layout === null) {
    problems.push({
      at,
      message: `layout: torch needs a conv2d or dense kernel, whose torch layout prune-run knows, but ${role === 'mask' ? 'the selector picks' : 'the scores are for'} ${parameterText(parameter)}`,
    });
    return;
  }
  const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
  if (!sameShape(tensor.shape, torchShape)) {
    problems.push({
      at,
      message: `${name} (layout: torch) does not have the torch shape ${shapeText(torchShape)} of ${parameterText(parameter)}`,
    });
  }
  const rows = context.torchRows;
  if (rows.kind === 'unknown') {
    problems.push({
      at,
      message:
        `layout: torch on ${parameter.name}: layer '${parameter.layer}' reads the flatten '${rows.flatten}', and torch flattens a feature map ` +
        `in (c, h, w) order where TF.js flattens (h, w, c), so the ${role}'s columns land on other weights unless reordered; ` +
        `${parameter.layer}'s model has no torch counterpart to say its feature map (models/torchNames.ts: built-in lenet and ONNX imports do). ` +
        `Give this ${role} in TF.js layout` + (role === 'mask' ? " (an earlier run's masks.safetensors is)" : ''),
    });
  }
}

/** A torch-layout tensor for a dense kernel after a flatten carries the map it reorders by into the plan. */
export function flattenOf(tensor: MaskReference, torchRows: TorchRows): { flattenedFrom?: readonly [number, number, number] } {
  return tensor.layout === 'torch' && torchRows.kind === 'flattened' ? { flattenedFrom: torchRows.from } : {};
}
