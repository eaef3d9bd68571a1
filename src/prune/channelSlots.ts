/**
 * Where a tensor's entries lie along its channel axes: a channel group's member names channels by
 * their slots along some axes read together row-major (a conv kernel's output axis [3], a
 * depthwise kernel's [2, 3], a dense kernel's input axis [0]). Group masks zero whole slots and
 * compaction keeps whole slots; both read entries through this.
 */

/** For every entry of a row-major tensor of `shape`, its slot along `axes` (read together row-major). */
export function slotOfEntries(shape: readonly number[], axes: readonly number[]): Int32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const slots = new Int32Array(size);
  for (let index = 0; index < size; index++) {
    let slot = 0;
    for (const axis of axes) slot = slot * shape[axis]! + (Math.floor(index / strides[axis]!) % shape[axis]!);
    slots[index] = slot;
  }
  return slots;
}

/** `mask` (or all ones) with every entry in one of `slots` set to 0: a new array. */
export function maskWithoutSlots(mask: Uint8Array | undefined, shape: readonly number[], axes: readonly number[], slots: ReadonlySet<number>): Uint8Array {
  const slotOf = slotOfEntries(shape, axes);
  const next = mask === undefined ? new Uint8Array(slotOf.length).fill(1) : mask.slice();
  slotOf.forEach((slot, index) => {
    if (slots.has(slot)) next[index] = 0;
  });
  return next;
}

/** Whether every entry in `slots` is masked (0); false without a mask. */
export function slotsMasked(mask: Uint8Array | undefined, shape: readonly number[], axes: readonly number[], slots: readonly number[]): boolean {
  if (mask === undefined || slots.length === 0) return false;
  const wanted = new Set(slots);
  const slotOf = slotOfEntries(shape, axes);
  for (let index = 0; index < slotOf.length; index++) if (wanted.has(slotOf[index]!) && mask[index] !== 0) return false;
  return true;
}
