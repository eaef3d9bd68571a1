/**
 * custom_from_mask: multiplies in a given 0/1 mask (torch's custom_from_mask), read in a recipe from
 * a tensor of a safetensors file, in TF.js layout or torch's.
 */
import path from 'node:path';
import { PruneError } from '../errors.js';
import { customFromMask as maskMethod } from '../prune/fixed.js';
import { tfjsToTorch } from '../prune/layout.js';
import type { MaskReference } from '../prune/spec.js';
import { recorded } from './place.js';
import { onTop, parameterText, sameShape, shapeText } from './text.js';
import type { MaskInput, MethodDescriptor, PlanContext } from './types.js';

export interface CustomFromMaskSpec {
  readonly method: 'custom_from_mask';
  readonly mask: MaskReference;
}

/**
 * The mask tensor must have the parameter's shape, in TF.js layout or (layout: torch) in torch's,
 * which needs a conv2d or dense kernel to be mapped.
 */
function checkMaskShape(mask: MaskReference, context: PlanContext): void {
  const { parameter, layout, problems } = context;
  const at = context.at('mask');
  const name = `mask tensor "${mask.tensor}" ${shapeText(mask.shape)}`;
  if (mask.layout === 'tfjs') {
    if (sameShape(mask.shape, parameter.shape)) return;
    let hint = '';
    if (layout !== null) {
      const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
      if (sameShape(mask.shape, torchShape)) hint = ` (that is its torch layout: add layout: torch to the mask)`;
    }
    problems.push({ at, message: `${name} does not have the shape of ${parameterText(parameter)}, which it would mask${hint}` });
    return;
  }
  if (layout === null) {
    problems.push({
      at,
      message: `layout: torch needs a conv2d or dense kernel, whose torch layout prune-run knows, but the selector picks ${parameterText(parameter)}`,
    });
    return;
  }
  const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
  if (!sameShape(mask.shape, torchShape)) {
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
        `in (c, h, w) order where TF.js flattens (h, w, c), so the mask's columns land on other weights unless reordered; ` +
        `${parameter.layer}'s model has no torch counterpart to say its feature map (models/torchNames.ts: built-in lenet and ONNX imports do). ` +
        `Give this mask in TF.js layout (an earlier run's masks.safetensors is)`,
    });
  }
}

/** A torch-layout mask on a dense kernel after a flatten carries the map it reorders by into the plan. */
function flattenOf(mask: MaskReference, context: PlanContext): { flattenedFrom?: readonly [number, number, number] } {
  return mask.layout === 'torch' && context.torchRows.kind === 'flattened' ? { flattenedFrom: context.torchRows.from } : {};
}

export const customFromMask = {
  name: 'custom_from_mask',
  summary: 'multiplies in a given 0/1 mask read from a safetensors file (mask: {file, tensor})',
  traits: { amount: null, axis: null, seeded: false, importance: false },
  fields: [
    {
      key: 'mask',
      required: true,
      purpose: 'the mask to multiply in',
      locate: ['tensor'],
      hint: 'custom_from_mask multiplies in a given mask: mask: {file: masks.safetensors, tensor: conv1/kernel}',
    },
  ],
  global: null,
  resolve: (_fields, { mask }) => {
    if (mask === undefined) throw new Error('custom_from_mask target whose mask checkMasks did not read (resolve without loadRecipeText?)');
    return { method: 'custom_from_mask', mask };
  },
  describe: (spec) =>
    `custom_from_mask ${spec.mask.tensor} of ${path.basename(spec.mask.file)}${spec.mask.layout === 'torch' ? ' (torch layout)' : ''}`,
  plan: (spec, context) => {
    checkMaskShape(spec.mask, context);
    return { layout: context.layout, axis: null, composes: context.composes, ...flattenOf(spec.mask, context) };
  },
  outcome: (spec, { planned }) =>
    `multiplies in the mask ${spec.mask.tensor} [${spec.mask.shape.join(', ')}] from ${spec.mask.file}${onTop(planned.composes)}`,
  create: (spec, context) => {
    if (context.mask === undefined) {
      throw new PruneError(
        'PRUNE_SHAPE_MISMATCH',
        `'${context.paramName ?? 'tensor'}': custom_from_mask needs the mask of '${spec.mask.tensor}' read from ${spec.mask.file}`,
      );
    }
    // Which tensor, beside its effect (the core's record); the values stay in the file.
    return recorded(maskMethod(context.mask), { tensor: spec.mask.tensor, layout: spec.mask.layout });
  },
  // A mask given in a call is data, not a file a spec names: the core method takes it as it is.
  api: { name: 'customFromMask', build: (mask, call) => maskMethod(call.mask(mask)) },
  maskOf: (spec) => spec.mask,
} satisfies MethodDescriptor<CustomFromMaskSpec, 'customFromMask', MaskInput>;
