/** Size checks shared by the methods: a mismatch is a caller bug that would silently misalign masks. */
import { PruneError } from '../errors.js';

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new PruneError('PRUNE_SHAPE_MISMATCH', `invalid shape [${shape.join(', ')}]`);
    }
    n *= d;
  }
  return n;
}

/** importance, mask and shape must describe the same number of entries. */
export function checkSameLength(
  importance: { readonly length: number },
  mask: { readonly length: number },
  shape: readonly number[],
  paramName: string,
): void {
  const n = elementCount(shape);
  if (importance.length !== n || mask.length !== n) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${paramName}': shape [${shape.join(', ')}] has ${String(n)} entries but importance has ` +
        `${String(importance.length)} and the mask ${String(mask.length)}`,
    );
  }
}
