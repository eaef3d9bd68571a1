/**
 * A structured method's AxisSpec → the TF.js axis it prunes along, and the spec as the recipe
 * wrote it (for messages). Both spellings go through torch's dim, because torch's layout is where
 * "output channels" has one fixed place (dim 0) for convolutions and linear layers alike;
 * layout.ts then maps the dim into TF.js layout.
 */
import { PruneError } from '../errors.js';
import { torchDimToTfjsAxis, type WeightLayout } from './layout.js';
import type { AxisSpec, ChannelMeaning } from './spec.js';

/** torch's weights are [out, in, ...] for Conv2d and Linear alike. */
const MEANING_TO_TORCH_DIM: Readonly<Record<ChannelMeaning, number>> = { out: 0, in: 1 };

/** torch's rank of each layout (TF.js has the same rank, permuted). */
const LAYOUT_RANK: Readonly<Record<WeightLayout, number>> = { conv2d: 4, dense: 2 };

/** What each torch dim holds, for messages and dry-run listings. */
const DIM_MEANINGS: Readonly<Record<WeightLayout, readonly string[]>> = {
  conv2d: ['output channels, the filters', 'input channels', 'kernel rows', 'kernel columns'],
  dense: ['output units', 'input units'],
};

/** How the axis was written in the recipe: `axis: out` or `dim: 0`. */
export function formatAxisSpec(axis: AxisSpec): string {
  return axis.kind === 'meaning' ? `axis: ${axis.value}` : `dim: ${String(axis.dim)}`;
}

/** torch's dim as a non-negative index, or null when out of range for the layout. */
export function normaliseTorchDim(layout: WeightLayout, dim: number): number | null {
  const rank = LAYOUT_RANK[layout];
  const d = dim < 0 ? rank + dim : dim;
  return Number.isInteger(dim) && d >= 0 && d < rank ? d : null;
}

/** The torch dim an AxisSpec names (non-negative), or null when a dim is out of range. */
export function torchDimOf(axis: AxisSpec, layout: WeightLayout): number | null {
  return axis.kind === 'meaning' ? MEANING_TO_TORCH_DIM[axis.value] : normaliseTorchDim(layout, axis.dim);
}

/** "output channels (filters)" etc. for a torch dim of a layout. */
export function describeTorchDim(layout: WeightLayout, dim: number): string {
  return DIM_MEANINGS[layout][dim] ?? `dim ${String(dim)}`;
}

/**
 * The TF.js axis for `axis` on a parameter of `layout` and TF.js `shape`. Throws PruneError
 * (PRUNE_AXIS_INVALID) when the layout is unknown (null: not a conv2d or dense kernel, so nothing
 * says which axis holds the channels), the shape does not fit the layout, or a dim is out of range.
 */
export function resolveAxis(
  axis: AxisSpec,
  layout: WeightLayout | null,
  shape: readonly number[],
  paramName = 'tensor',
): number {
  const written = formatAxisSpec(axis);
  if (layout === null) {
    throw new PruneError(
      'PRUNE_AXIS_INVALID',
      `'${paramName}': ${written} needs a conv2d or dense kernel, whose layout says which axis holds the channels; ` +
        `'${paramName}' (shape [${shape.join(', ')}]) is neither`,
    );
  }
  const rank = LAYOUT_RANK[layout];
  if (shape.length !== rank) {
    throw new PruneError(
      'PRUNE_AXIS_INVALID',
      `'${paramName}': a ${layout} kernel has rank ${String(rank)}, got shape [${shape.join(', ')}]`,
    );
  }
  const dim = torchDimOf(axis, layout);
  if (dim === null) {
    throw new PruneError(
      'PRUNE_AXIS_INVALID',
      `'${paramName}': ${written} is out of range for a ${layout} kernel, whose torch layout ` +
        `${layout === 'conv2d' ? '[out, in, kh, kw]' : '[out, in]'} has dims 0 to ${String(rank - 1)} ` +
        `(or ${String(-rank)} to -1 from the end)`,
    );
  }
  return torchDimToTfjsAxis(layout, dim);
}
