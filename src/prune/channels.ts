/**
 * Channel geometry for structured pruning. A row-major tensor seen along one axis is
 * [outer, channels, inner]: entry (o, c, i) sits at (o * channels + c) * inner + i. Everything here
 * is in the layout of the arrays given (TF.js layout for prune-run's own tensors).
 */
import { PruneError } from '../errors.js';

export interface ChannelLayout {
  /** The axis, made non-negative. */
  readonly axis: number;
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** Validates rank >= 2 and the axis (negative counts from the end, as in torch's `dim`). */
export function channelLayout(shape: readonly number[], axis: number, paramName: string): ChannelLayout {
  const rank = shape.length;
  if (rank < 2) {
    throw new PruneError(
      'PRUNE_AXIS_INVALID',
      `'${paramName}': structured pruning needs a tensor with channels (rank >= 2), got shape [${shape.join(', ')}]`,
    );
  }
  const a = axis < 0 ? rank + axis : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new PruneError(
      'PRUNE_AXIS_INVALID',
      `'${paramName}': axis ${String(axis)} is out of range for shape [${shape.join(', ')}]`,
    );
  }
  let outer = 1;
  for (let d = 0; d < a; d++) outer *= shape[d]!;
  let inner = 1;
  for (let d = a + 1; d < rank; d++) inner *= shape[d]!;
  return { axis: a, outer, channels: shape[a]!, inner };
}

/** Calls fn(flatIndex, channel) for every entry, in flat order. */
export function forEachEntry(layout: ChannelLayout, fn: (flat: number, channel: number) => void): void {
  const { outer, channels, inner } = layout;
  let flat = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < inner; i++) fn(flat++, c);
    }
  }
}

/** Per channel: 1 if any entry of the channel is still kept by `mask`. */
export function aliveChannels(mask: Uint8Array, layout: ChannelLayout): Uint8Array {
  const alive = new Uint8Array(layout.channels);
  forEachEntry(layout, (flat, c) => {
    if (mask[flat]! !== 0) alive[c] = 1;
  });
  return alive;
}

/**
 * The sub-tensor made of the selected channels only (selected[c] !== 0), in the same layout with
 * the axis shortened; `source` may be scores or a mask.
 */
export function gatherChannels<T extends Float32Array | Uint8Array>(
  source: T,
  layout: ChannelLayout,
  selected: Uint8Array,
  make: (length: number) => T,
): T {
  let kept = 0;
  for (const s of selected) if (s !== 0) kept++;
  const out = make(layout.outer * kept * layout.inner);
  let k = 0;
  forEachEntry(layout, (flat, c) => {
    if (selected[c]! !== 0) out[k++] = source[flat]!;
  });
  return out;
}

/** Writes a sub-tensor made by gatherChannels back into the full-size `target`. */
export function scatterChannels(sub: Uint8Array, layout: ChannelLayout, selected: Uint8Array, target: Uint8Array): void {
  let k = 0;
  forEachEntry(layout, (flat, c) => {
    if (selected[c]! !== 0) target[flat] = sub[k++]!;
  });
}
