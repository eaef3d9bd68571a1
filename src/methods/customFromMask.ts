/**
 * custom_from_mask: multiplies in a given 0/1 mask (torch's custom_from_mask), read in a recipe from
 * a tensor of a safetensors file, in TF.js layout or torch's.
 */
import path from 'node:path';
import { PruneError } from '../errors.js';
import { customFromMask as maskMethod } from '../prune/fixed.js';
import type { MaskReference } from '../prune/spec.js';
import { recorded } from './place.js';
import { checkTensorShape, flattenOf } from './tensorShape.js';
import { onTop } from './text.js';
import type { MaskInput, MethodDescriptor } from './types.js';

export interface CustomFromMaskSpec {
  readonly method: 'custom_from_mask';
  readonly mask: MaskReference;
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
    checkTensorShape(spec.mask, 'mask', { ...context, at: context.at('mask') });
    return { layout: context.layout, axis: null, composes: context.composes, ...flattenOf(spec.mask, context.torchRows) };
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
