/**
 * A channel group's importance per channel (Torch-Pruning's GroupMagnitudeImportance, p = 2): the
 * sum of squared weights over every slice the channel owns in every member of the group, divided
 * by the mean of that sum over the group's channels.
 *
 * The reduction is the sum over members (Torch-Pruning defaults to the mean): it is the squared
 * L2 norm of everything the channel takes with it, read as one vector, so a member counts in
 * proportion to the weights it really loses (a conv2 channel's 25 fc1 rows weigh 25 times one
 * row), where a mean would weigh a batch norm's single gamma as much as a 3×3×64 kernel slice.
 * Dividing by the group's mean (Torch-Pruning's normalizer 'mean') makes the scores of groups
 * with different fan-ins comparable, so one global ranking serves them all. The caller leaves out
 * biases and batch norm's beta (a shift, not a magnitude of the channel's computation) and the
 * batch-norm statistics (not weights).
 */

/** One member's values and the indices along its axes that each group channel owns. */
export interface ImportanceMember {
  readonly values: Float32Array;
  /** 1 = kept; absent: nothing pruned. A pruned entry counts as zero. */
  readonly mask?: Uint8Array;
  readonly shape: readonly number[];
  readonly axes: readonly number[];
  /** indices[k]: the indices along `axes` (read together row-major) channel k owns. */
  readonly indices: readonly (readonly number[])[];
}

/**
 * A key per channel that orders channels as the Ln norm of everything they own in the group does:
 * Σ|w|^n over every member's slices for finite n > 0 (the root left off: monotone, one rounding
 * fewer), the largest |w| for n = Infinity, the smallest for -Infinity, the nonzero count for 0.
 * A masked entry counts as zero. n = 2 gives Σ w², the unnormalised group importance.
 */
export function channelNormKeys(members: readonly ImportanceMember[], channels: number, n: number): Float64Array {
  const keys = new Float64Array(channels);
  if (n === -Infinity) keys.fill(Infinity);
  for (const member of members) {
    const { shape, axes, values, mask } = member;
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const slots = axes.reduce((a, axis) => a * shape[axis]!, 1);
    const owner = new Int32Array(slots).fill(-1);
    member.indices.forEach((indices, k) => indices.forEach((slot) => (owner[slot] = k)));
    for (let index = 0; index < values.length; index++) {
      let slot = 0;
      for (const axis of axes) slot = slot * shape[axis]! + (Math.floor(index / strides[axis]!) % shape[axis]!);
      const k = owner[slot]!;
      if (k < 0) continue;
      const m = mask !== undefined && mask[index] === 0 ? 0 : Math.abs(values[index]!);
      if (n === Infinity) keys[k] = Math.max(keys[k]!, m);
      else if (n === -Infinity) keys[k] = Math.min(keys[k]!, m);
      else if (n === 0) keys[k]! += m !== 0 ? 1 : 0;
      else keys[k]! += n === 1 ? m : n === 2 ? m * m : Math.pow(m, n);
    }
  }
  return keys;
}

/** Σ w² per channel over all members (unnormalised). */
export function channelSquares(members: readonly ImportanceMember[], channels: number): Float64Array {
  return channelNormKeys(members, channels, 2);
}

/** The normalised importance: Σ w² over the group's members, over its mean across channels (0 when all are 0). */
export function groupImportance(members: readonly ImportanceMember[], channels: number): number[] {
  const sums = channelSquares(members, channels);
  const finite = [...sums].filter((s) => Number.isFinite(s));
  const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
  return [...sums].map((s) => (mean === 0 ? 0 : s / mean));
}
